//! Text search: what the search index holds for a case, and what a query asks of it.
//!
//! A search finds the cases whose title or description contains the query (after lower
//! case), the way the lists have always matched text. Chinese has no spaces and most of its
//! words are two characters (欠薪, 工资, 加班), which word tokenizers (SQLite's unicode61,
//! PostgreSQL's parsers) cannot split and trigram indexes cannot find. So the index holds
//! every pair of neighbouring characters (bigrams) of each field, and a query of n ≥ 2
//! characters asks for the cases holding all of its n − 1 pairs; it also holds each
//! character alone, for a query of one character.
//!
//! The index is only ever a necessary condition: every case whose text contains the query
//! holds every gram the query asks for, but holding them does not prove it contains the
//! query ("工资…拖欠" holds 工资 and 拖欠 without 资拖). Storage keeps the substring match as
//! the definition and uses the index to find the candidates — except where holding the
//! grams is the same as containing the query (`grams_decide`).
//!
//! A pair is written as a word of hexadecimal digits (six per character) and a single
//! character as `x` and its six, so that any index's tokenizer keeps them whole.
//!
//! Beside its grams a case's entry holds words for what lists filter on most (`facet_words`):
//! every union on its path, its kind, its status, whether it is open, its handler, and the
//! China year and month it was raised in. A search in a district's open cases then asks the index
//! for exactly those, instead of reading every case of the province that mentions wages to
//! keep the district's open ones; and a list newest first asks month by month, newest
//! first, until its page is full, instead of sorting every match. Facet words begin with
//! letters other than a–f and x, so no facet word is ever a gram.

use crate::case::{Kind, Status};
use crate::time::Timestamp;
use chrono::Datelike;
use std::collections::BTreeSet;

/// At most this many grams are asked of the index for one query: the match decides anyway,
/// and more grams only make the index work longer for the same candidates.
const MAX_QUERY_GRAMS: usize = 12;

fn push_hex(out: &mut String, c: char) {
    use std::fmt::Write;
    // Writing to a String cannot fail.
    let _ = write!(out, "{:06x}", u32::from(c));
}

fn gram(a: char, b: char) -> String {
    let mut s = String::with_capacity(12);
    push_hex(&mut s, a);
    push_hex(&mut s, b);
    s
}

fn single(c: char) -> String {
    let mut s = String::with_capacity(7);
    s.push('x');
    push_hex(&mut s, c);
    s
}

/// The grams of one text already in the form it is matched in: each character, and each
/// pair of neighbours.
fn grams_of(text: &str, into: &mut BTreeSet<String>) {
    let mut chars = text.chars().peekable();
    while let Some(a) = chars.next() {
        into.insert(single(a));
        if let Some(b) = chars.peek() {
            into.insert(gram(a, *b));
        }
    }
}

/// The grams the index holds for a case: the pairs of its title and of its description,
/// each in both forms a store may compare it in — ASCII letters lowered (SQLite's LOWER)
/// and every letter lowered (PostgreSQL's LOWER, and the query's own lowering). Sorted,
/// each once.
pub fn case_grams(title: &str, description: &str) -> Vec<String> {
    let mut all = BTreeSet::new();
    for field in [title, description] {
        let ascii = field.to_ascii_lowercase();
        let full = field.to_lowercase();
        grams_of(&ascii, &mut all);
        if full != ascii {
            grams_of(&full, &mut all);
        }
    }
    all.into_iter().collect()
}

/// `case_grams` written into `out`, separated by spaces, in no particular order: what a
/// store files. Grams are keyed as integers, not formatted one by one, since this runs for
/// every case written (crates/youyue-bench/README.md has the measurement).
pub fn write_case_grams(title: &str, description: &str, out: &mut String) {
    // A character is below 2^21: a pair is the two side by side, a single one is marked by
    // bit 42, so that no key is both.
    const SINGLE: u64 = 1 << 42;
    let mut keys: Vec<u64> = Vec::with_capacity(2 * (title.len() + description.len()));
    let mut key_grams = |text: &str| {
        let mut chars = text.chars().peekable();
        while let Some(a) = chars.next() {
            keys.push(SINGLE | u64::from(a));
            if let Some(&b) = chars.peek() {
                keys.push((u64::from(a) << 21) | u64::from(b));
            }
        }
    };
    for field in [title, description] {
        let ascii = field.to_ascii_lowercase();
        let full = field.to_lowercase();
        key_grams(&ascii);
        if full != ascii {
            key_grams(&full);
        }
    }
    keys.sort_unstable();
    keys.dedup();
    out.reserve(keys.len() * 13);
    for key in keys {
        if !out.is_empty() {
            out.push(' ');
        }
        if key & SINGLE != 0 {
            out.push('x');
            push_hex6(out, (key & 0x1f_ffff) as u32);
        } else {
            push_hex6(out, (key >> 21) as u32);
            push_hex6(out, (key & 0x1f_ffff) as u32);
        }
    }
}

/// Six lower-case hexadecimal digits of a character's code, as `push_hex`.
fn push_hex6(out: &mut String, code: u32) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for shift in [20, 16, 12, 8, 4, 0] {
        out.push(char::from(DIGITS[((code >> shift) & 0xf) as usize]));
    }
}

/// What a case is filed under in the index beside its text.
#[derive(Debug, Clone, Copy)]
pub struct CaseFacets<'a> {
    /// The ids on its union's path, from the root to its own union.
    pub unions: &'a [i64],
    pub kind: Kind,
    pub status: Status,
    pub handler: Option<i64>,
    pub opened_at: Timestamp,
}

pub fn union_word(id: i64) -> String {
    format!("u{id}")
}

pub fn kind_word(kind: Kind) -> String {
    format!("k{}", kind.as_str().replace('_', ""))
}

pub fn status_word(status: Status) -> String {
    format!("s{}", status.as_str().replace('_', ""))
}

/// Held by every case not yet resolved or explained.
pub const OPEN_WORD: &str = "open";

pub fn handler_word(id: i64) -> String {
    format!("h{id}")
}

/// The China year.
pub fn year_word(year: i32) -> String {
    format!("y{year:04}")
}

/// The China month `year`-`month` (1–12).
pub fn month_word(year: i32, month: u32) -> String {
    format!("m{year:04}{month:02}")
}

/// The China month an instant lies in, as (year, month).
pub fn cst_month(t: Timestamp) -> (i32, u32) {
    let d = t.cst_date();
    (d.year(), d.month())
}

/// The facet words of a case.
pub fn facet_words(f: CaseFacets<'_>) -> Vec<String> {
    let mut words: Vec<String> = f.unions.iter().map(|id| union_word(*id)).collect();
    words.push(kind_word(f.kind));
    words.push(status_word(f.status));
    if f.status.is_open() {
        words.push(OPEN_WORD.to_owned());
    }
    words.extend(f.handler.map(handler_word));
    let (year, month) = cst_month(f.opened_at);
    words.push(year_word(year));
    words.push(month_word(year, month));
    words
}

/// The grams a query asks the index for, every one of them, the query already lowered the
/// way the match lowers it (`None` for an empty query, which matches everything): its one
/// character, or its pairs (at most `MAX_QUERY_GRAMS`).
pub fn query_grams(lowered: &str) -> Option<Vec<String>> {
    let chars: Vec<char> = lowered.chars().collect();
    match chars.as_slice() {
        [] => None,
        [c] => Some(vec![single(*c)]),
        _ => {
            let mut seen = BTreeSet::new();
            Some(
                chars
                    .windows(2)
                    .map(|w| gram(w[0], w[1]))
                    .filter(|g| seen.insert(g.clone()))
                    .take(MAX_QUERY_GRAMS)
                    .collect(),
            )
        }
    }
}

/// Whether holding a query's grams is the same as containing the query, in either
/// lowering: a query of one or two letters or digits without case (Chinese characters,
/// digits). A character is held only where it stands and a pair only where the two stand
/// side by side; lowering changes no character without case and makes none.
pub fn grams_decide(query: &str) -> bool {
    let uncased = |c: char| c.is_alphanumeric() && !c.is_lowercase() && !c.is_uppercase();
    (1..=2).contains(&query.chars().count()) && query.chars().all(uncased)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_fast_grams_are_the_grams() {
        for (title, description) in
            [("拖欠工资三个月", "Är ABC公司 ç 工资 \u{10ffff}\u{1f600}"), ("", ""), ("a", "İstanbul ǅ ß")]
        {
            let mut fast = String::new();
            super::write_case_grams(title, description, &mut fast);
            let mut fast: Vec<&str> = fast.split(' ').filter(|w| !w.is_empty()).collect();
            fast.sort_unstable();
            assert_eq!(fast, super::case_grams(title, description), "{title} {description}");
        }
    }

    use super::*;

    fn holds(case: &[String], q: &[String]) -> bool {
        q.iter().all(|g| case.contains(g))
    }

    #[test]
    fn every_substring_of_either_field_is_found_by_the_index() {
        let title = "拖欠工资 ABC";
        let description = "加班费未付，X公司";
        let grams = case_grams(title, description);
        for field in [title, description] {
            let lowered = field.to_lowercase();
            let chars: Vec<char> = lowered.chars().collect();
            for i in 0..chars.len() {
                for j in i + 1..=chars.len() {
                    let q: String = chars[i..j].iter().collect();
                    let asked = query_grams(&q).unwrap();
                    assert!(holds(&grams, &asked), "{q:?} in {field:?} not found by {asked:?}");
                }
            }
        }
    }

    #[test]
    fn a_pair_spanning_title_and_description_is_not_held() {
        let grams = case_grams("工资", "拖欠");
        assert!(!holds(&grams, &query_grams("资拖").unwrap()));
        assert!(holds(&grams, &query_grams("资").unwrap()), "a character alone");
        assert!(!holds(&grams, &query_grams("薪").unwrap()));
    }

    #[test]
    fn letters_are_held_in_both_lowerings() {
        // SQLite's LOWER leaves Ä alone; PostgreSQL's and the query's lower it.
        let grams = case_grams("ÄRGER", "");
        assert!(holds(&grams, &query_grams("är").unwrap()));
        assert!(holds(&grams, &query_grams("Är").unwrap()));
    }

    #[test]
    fn only_short_queries_without_case_are_decided_by_their_grams() {
        for yes in ["工资", "薪", "12", "工1"] {
            assert!(grams_decide(yes), "{yes}");
        }
        // Three characters: their pairs may stand apart; letters: one lowering may hold
        // a pair the other match does not; punctuation and blanks: not worth the doubt.
        for no in ["拖欠工资", "工资三", "ab", "Ä", "k", "%", "工 ", ""] {
            assert!(!grams_decide(no), "{no}");
        }
    }

    #[test]
    fn facet_words_are_never_grams() {
        let unions = [1, 2, 40];
        let words = facet_words(CaseFacets {
            unions: &unions,
            kind: Kind::Wellbeing,
            status: Status::InProgress,
            handler: Some(7),
            // 2026-01-31T16:00Z is 1 February in China.
            opened_at: Timestamp::parse_rfc3339("2026-01-31T16:00:00Z").unwrap(),
        });
        assert_eq!(words, ["u1", "u2", "u40", "kwellbeing", "sinprogress", "open", "h7", "y2026", "m202602"]);
        assert!(words.iter().all(|w| !w.starts_with(|c: char| c.is_ascii_hexdigit() || c == 'x')));
        let closed = facet_words(CaseFacets {
            unions: &[3],
            kind: Kind::Claim,
            status: Status::Resolved,
            handler: None,
            opened_at: Timestamp::parse_rfc3339("2026-01-31T15:59:59Z").unwrap(),
        });
        assert_eq!(closed, ["u3", "kclaim", "sresolved", "y2026", "m202601"]);
    }

    #[test]
    fn long_queries_ask_for_a_bounded_number_of_grams() {
        let q = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥";
        assert_eq!(query_grams(q).unwrap().len(), MAX_QUERY_GRAMS);
        assert_eq!(query_grams("工资工资"), Some(vec![gram('工', '资'), gram('资', '工')]));
        assert_eq!(query_grams("资"), Some(vec!["x008d44".to_owned()]));
        assert_eq!(query_grams(""), None);
    }
}
