//! Text search: what the search index holds for a case, and what a query asks of it.
//!
//! A search finds the cases whose title or description contains the query (after lower
//! case), the way the lists have always matched text. Chinese has no spaces and most of its
//! words are two characters (欠薪, 工资, 加班), which word tokenizers (SQLite's unicode61,
//! PostgreSQL's parsers) cannot split and trigram indexes cannot find. So the index holds
//! every pair of neighbouring characters (bigrams) of each field, and a query of n ≥ 2
//! characters asks for the cases holding all of its n − 1 pairs; a query of one character
//! asks for any pair beginning with it (each field ends with a marker, so that its last
//! character begins a pair too).
//!
//! The index is only ever a necessary condition: every case whose text contains the query
//! holds every gram the query asks for, but holding them does not prove it contains the
//! query ("工资…拖欠" holds 工资 and 拖欠 without 资拖). Storage keeps the substring match as
//! the definition and uses the index to find the candidates.
//!
//! A gram is written as a word of hexadecimal digits (six per character) so that any
//! index's tokenizer keeps it whole, and so that a character's pairs share a prefix.
//!
//! Beside its grams a case's entry holds words for what lists filter on most (`facet_words`):
//! every union on its path, its kind, its status, whether it is open, its handler. A search
//! in a district's open cases then asks the index for exactly those, instead of reading
//! every case of the province that mentions wages to keep the district's open ones. They
//! contain letters other than a–f, so no facet word is ever a gram.

use crate::case::{Kind, Status};
use std::collections::BTreeSet;

/// Marks the end of a field: the last character's pair is (last, END).
const END: char = '\0';

/// At most this many grams are asked of the index for one query: the match decides anyway,
/// and more grams only make the index work longer for the same candidates.
const MAX_QUERY_GRAMS: usize = 12;

/// What a query asks of the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GramQuery {
    /// Cases holding every one of these grams.
    All(Vec<String>),
    /// Cases holding some gram that begins with this prefix (a one-character query).
    Prefix(String),
}

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

/// The grams of one text already in the form it is matched in.
fn grams_of(text: &str, into: &mut BTreeSet<String>) {
    let mut chars = text.chars().peekable();
    while let Some(a) = chars.next() {
        into.insert(gram(a, chars.peek().copied().unwrap_or(END)));
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

/// What a case is filed under in the index beside its text.
#[derive(Debug, Clone, Copy)]
pub struct CaseFacets<'a> {
    /// The ids on its union's path, from the root to its own union.
    pub unions: &'a [i64],
    pub kind: Kind,
    pub status: Status,
    pub handler: Option<i64>,
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

/// The facet words of a case.
pub fn facet_words(f: CaseFacets<'_>) -> Vec<String> {
    let mut words: Vec<String> = f.unions.iter().map(|id| union_word(*id)).collect();
    words.push(kind_word(f.kind));
    words.push(status_word(f.status));
    if !f.status.is_closed() {
        words.push(OPEN_WORD.to_owned());
    }
    words.extend(f.handler.map(handler_word));
    words
}

/// What to ask the index for a query, already lowered the way the match lowers it (`None`
/// for an empty query, which matches everything).
pub fn query_grams(lowered: &str) -> Option<GramQuery> {
    let chars: Vec<char> = lowered.chars().collect();
    match chars.as_slice() {
        [] => None,
        [c] => {
            let mut prefix = String::with_capacity(6);
            push_hex(&mut prefix, *c);
            Some(GramQuery::Prefix(prefix))
        }
        _ => {
            let mut seen = BTreeSet::new();
            let grams: Vec<String> = chars
                .windows(2)
                .map(|w| gram(w[0], w[1]))
                .filter(|g| seen.insert(g.clone()))
                .take(MAX_QUERY_GRAMS)
                .collect();
            Some(GramQuery::All(grams))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holds(case: &[String], q: &GramQuery) -> bool {
        match q {
            GramQuery::All(gs) => gs.iter().all(|g| case.contains(g)),
            GramQuery::Prefix(p) => case.iter().any(|g| g.starts_with(p.as_str())),
        }
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
        assert!(holds(&grams, &query_grams("资").unwrap()), "the last character begins a pair with the end");
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
    fn facet_words_are_never_grams() {
        let unions = [1, 2, 40];
        let words = facet_words(CaseFacets {
            unions: &unions,
            kind: Kind::Wellbeing,
            status: Status::InProgress,
            handler: Some(7),
        });
        assert_eq!(words, ["u1", "u2", "u40", "kwellbeing", "sinprogress", "open", "h7"]);
        assert!(words.iter().all(|w| !w.chars().all(|c| c.is_ascii_hexdigit())));
        let closed =
            facet_words(CaseFacets { unions: &[3], kind: Kind::Claim, status: Status::Resolved, handler: None });
        assert_eq!(closed, ["u3", "kclaim", "sresolved"]);
    }

    #[test]
    fn long_queries_ask_for_a_bounded_number_of_grams() {
        let q = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥";
        let GramQuery::All(gs) = query_grams(q).unwrap() else { panic!("two or more characters ask for pairs") };
        assert_eq!(gs.len(), MAX_QUERY_GRAMS);
        assert_eq!(query_grams("工资工资"), Some(GramQuery::All(vec![gram('工', '资'), gram('资', '工')])));
        assert_eq!(query_grams(""), None);
    }
}
