//! The private tracking code a worker gets with the case number (查询码). With both, and no
//! account, the worker follows the case and rates it. Only a hash of it is stored.

/// 32 symbols without 0/O and 1/I, so that a code read over the phone survives.
pub const ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
pub const LEN: usize = 10;

/// Makes a code from random bytes (the caller brings the randomness): 10 symbols, 50 bits,
/// shown as `XXXXX-XXXXX`.
pub fn format_code(random: [u8; LEN]) -> String {
    let mut s = String::with_capacity(LEN + 1);
    for (i, b) in random.iter().enumerate() {
        if i == LEN / 2 {
            s.push('-');
        }
        s.push(char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]));
    }
    s
}

/// What a person typed, in the one spelling that is hashed: upper case, without spaces or
/// dashes. None if it cannot be a code.
pub fn normalize(typed: &str) -> Option<String> {
    let s: String = typed
        .chars()
        .map(crate::case::half_width)
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (s.len() == LEN && s.bytes().all(|b| ALPHABET.contains(&b))).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_normalize() {
        let c = format_code([0, 1, 2, 3, 4, 5, 6, 7, 30, 31]);
        assert_eq!(c, "23456-789YZ");
        assert_eq!(normalize(&c).as_deref(), Some("23456789YZ"));
        assert_eq!(normalize(" 23456 789yz ").as_deref(), Some("23456789YZ"));
        assert_eq!(normalize("２３４５６－７８９ｙｚ").as_deref(), Some("23456789YZ"), "typed full-width");
        assert_eq!(normalize("23456-789Y"), None);
        assert_eq!(normalize("23456-789Y0"), None);
    }
}
