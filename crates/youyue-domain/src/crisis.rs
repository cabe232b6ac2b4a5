//! Crisis at once (issue 23): text that signals a risk to life — the worker's own or
//! someone else's (suicide, self-harm, harm to others) — is recognised the moment it
//! arrives, whatever kind of case it is in and by whatever channel.
//!
//! The phrases are data: `data/crisis_phrases.txt` ships with the program and a district
//! adds its own ([`CrisisSettings::phrases`]). Both the text and the phrases go through one
//! [normalisation](normalise): traditional → simplified characters (OpenCC's character
//! table, from the `hanconv` crate), full-width → half-width, lowercase, and everything that
//! is not a letter or a digit (spaces, punctuation, emoji) dropped, so that "自 杀", "自.杀",
//! "跳-楼" and "自殺" all read as the phrase. Abbreviations, pinyin and homophones people use
//! to dodge filters (紫砂, 自鲨, zisha) are phrases of their own in the data file.
//!
//! A phrase is one piece or several joined by `…` ("拿刀…砍"): the pieces must follow one
//! another with at most [`MAX_GAP`] characters between them. A piece may offer alternatives
//! joined by `|` (`…` binds looser: "a…b|c" is a, then b or c); in the shipped list `@name`
//! stands for a named set's alternatives and a trailing `$` asks for the end of a sentence.
//! Exclusions (ordinary words that share a phrase's characters: 跳楼价, 自杀式降价, 紫砂壶,
//! 砍价, 累死, 死机) cancel a piece of a match that they cover entirely, so that a price war
//! is not a crisis while "公司搞自杀式降价，我也想自杀" still is; the single character 死 is a
//! phrase, cancelled only by an everyday 死-word. Nothing is learned: every flag names the
//! phrase and the words that raised it.
//!
//! "A missed crisis is far worse than a false alarm": the labelled set
//! `data/crisis_labelled.tsv` is run by the tests below, which require every positive to
//! be flagged and at most 5 % of the negatives. That set is what the list was written
//! against; `data/crisis_heldout.tsv`, written after the list was fixed, measures phrasings
//! it was not tuned on (printed, not asserted: a phrase list finds the direct words and
//! their disguises, and only part of the indirect ones, so the flag is a help to staff
//! reading every wellbeing case, not a replacement).

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::case::FieldError;

/// The shipped phrase list (see the file's head for its format).
pub const SHIPPED_PHRASES: &str = include_str!("../data/crisis_phrases.txt");

/// The most characters (after normalisation) allowed between two pieces of a phrase.
pub const MAX_GAP: usize = 8;
/// A district's own phrase: 1 to this many characters.
pub const MAX_PHRASE_CHARS: usize = 40;
/// A district's own phrases: at most this many.
pub const MAX_PHRASES: usize = 200;
/// Hotlines a district shows: 1 to this many.
pub const MAX_HOTLINES: usize = 6;

/// What a phrase signals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CrisisKind {
    /// Suicide or self-harm, the writer's own or someone else's (a colleague "说要跳楼").
    SelfHarm,
    /// Harm to others: threats, violence.
    Violence,
    /// A phrase the district added; it says no more than that.
    District,
}

/// Where the phrase that matched comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PhraseSource {
    /// `data/crisis_phrases.txt`, shipped with the program.
    Shipped,
    /// The district's own additions.
    District,
}

/// Why a text was flagged: the phrase (as written in the list) and the words of the
/// original text that matched it, for the record book ("flagged because of «…»").
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CrisisHit {
    /// The phrase as written in the list, e.g. "拿刀…砍".
    pub phrase: String,
    pub kind: CrisisKind,
    pub source: PhraseSource,
    /// Byte offsets of the matched words in the original text: `text[start..end]`.
    pub start: usize,
    pub end: usize,
    /// The matched words as the writer wrote them (`text[start..end]`), e.g. "自 殺".
    pub matched: String,
}

impl CrisisHit {
    /// The line for the record book.
    pub fn reason(&self) -> String {
        format!("flagged because of «{}» (phrase «{}»)", self.matched, self.phrase)
    }
}

/// A phrase ready to match: its pieces, each a list of alternatives, normalised.
#[derive(Debug, Clone)]
struct Pattern {
    /// As written.
    text: String,
    pieces: Vec<Vec<Alt>>,
}

/// One alternative of a piece: its characters, normalised, and whether a sentence must end
/// right after it (`$`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Alt {
    chars: Vec<char>,
    sentence_end: bool,
}

impl Pattern {
    /// Reads a phrase: pieces joined by `…` (or `...`), each piece one or more
    /// alternatives joined by `|`; an alternative `@name` stands for a named set's
    /// alternatives. `None` when an alternative normalises to nothing or names no set.
    /// `sets` is `None` for a district's phrases, where `@` and `$` are read as any other sign.
    fn parse(text: &str, sets: Option<&HashMap<String, Vec<Alt>>>) -> Option<Pattern> {
        let mut pieces = Vec::new();
        for piece in text.replace("...", "…").split('…') {
            let mut alternatives = Vec::new();
            for alternative in piece.split('|') {
                let alternative = alternative.trim();
                if let (Some(name), Some(sets)) = (alternative.strip_prefix('@'), sets) {
                    alternatives.extend(sets.get(name)?.iter().cloned());
                } else {
                    let (body, sentence_end) = match alternative.strip_suffix('$') {
                        Some(body) if sets.is_some() => (body, true),
                        _ => (alternative, false),
                    };
                    let chars = normalise(body).chars;
                    if chars.is_empty() {
                        return None;
                    }
                    alternatives.push(Alt { chars, sentence_end });
                }
            }
            pieces.push(alternatives);
        }
        Some(Pattern { text: text.to_string(), pieces })
    }
}

#[derive(Debug, Clone)]
struct Rule {
    pattern: Pattern,
    kind: CrisisKind,
    source: PhraseSource,
}

/// A problem in the shipped phrase list (found by its test; the list is then fixed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhraseListError {
    pub line: usize,
    pub message: String,
}

/// Reads the phrase list: one entry a line as `kind<TAB>phrase`, kind `self` (suicide or
/// self-harm), `violence` (harm to others) or `except` (an exclusion), or a named set as
/// `set<TAB>@name<TAB>a|b|c`; `#` starts a comment line; blank lines are skipped.
fn parse_list(text: &str) -> (Vec<Rule>, Vec<Pattern>, Vec<PhraseListError>) {
    let mut rules = Vec::new();
    let mut exclusions = Vec::new();
    let mut errors = Vec::new();
    let mut sets: HashMap<String, Vec<Alt>> = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let Some((kind, phrase)) = line.split_once('\t') else {
            errors.push(PhraseListError { line: line_no, message: "expected kind<TAB>phrase".into() });
            continue;
        };
        if kind.trim() == "set" {
            let parsed = phrase.split_once('\t').and_then(|(name, alternatives)| {
                let name = name.trim().strip_prefix('@')?;
                let set = Pattern::parse(alternatives.trim(), Some(&sets)).filter(|p| p.pieces.len() == 1)?;
                Some((name.to_string(), set.pieces.into_iter().next()?))
            });
            match parsed {
                Some((name, alternatives)) => {
                    sets.insert(name, alternatives);
                }
                None => {
                    errors.push(PhraseListError { line: line_no, message: "expected set<TAB>@name<TAB>a|b|c".into() })
                }
            }
            continue;
        }
        let Some(pattern) = Pattern::parse(phrase.trim(), Some(&sets)) else {
            errors.push(PhraseListError {
                line: line_no,
                message: format!("«{phrase}» has an empty piece or an unknown set"),
            });
            continue;
        };
        if let Some(word) = repeated_alternative(&pattern) {
            errors.push(PhraseListError {
                line: line_no,
                message: format!("«{word}» is in two pieces of «{phrase}»: … binds looser than |; write two lines"),
            });
            continue;
        }
        match kind.trim() {
            "self" => rules.push(Rule { pattern, kind: CrisisKind::SelfHarm, source: PhraseSource::Shipped }),
            "violence" => rules.push(Rule { pattern, kind: CrisisKind::Violence, source: PhraseSource::Shipped }),
            "except" => exclusions.push(pattern),
            other => errors.push(PhraseListError { line: line_no, message: format!("unknown kind «{other}»") }),
        }
    }
    (rules, exclusions, errors)
}

/// A word offered in two pieces of one phrase: the slip of writing "a…b|c…d" for two
/// phrases.
fn repeated_alternative(pattern: &Pattern) -> Option<String> {
    let mut seen: Vec<&Vec<char>> = Vec::new();
    for piece in &pattern.pieces {
        let mine: Vec<&Vec<char>> = piece.iter().map(|alt| &alt.chars).collect();
        if let Some(word) = mine.iter().find(|w| seen.contains(w)) {
            return Some(word.iter().collect());
        }
        seen.extend(mine);
    }
    None
}

/// Problems in the shipped list, if any (a test requires none).
pub fn shipped_list_errors() -> Vec<PhraseListError> {
    parse_list(SHIPPED_PHRASES).2
}

static SHIPPED: LazyLock<(Vec<Rule>, Vec<Pattern>)> = LazyLock::new(|| {
    let (rules, exclusions, _) = parse_list(SHIPPED_PHRASES);
    (rules, exclusions)
});

/// Recognises crisis text. Cheap to clone; build one per district from its settings.
#[derive(Debug, Clone)]
pub struct Matcher {
    rules: Vec<Rule>,
    exclusions: Vec<Pattern>,
}

impl Default for Matcher {
    fn default() -> Matcher {
        Matcher::new()
    }
}

impl Matcher {
    /// The shipped phrases only.
    pub fn new() -> Matcher {
        Matcher { rules: SHIPPED.0.clone(), exclusions: SHIPPED.1.clone() }
    }

    /// The shipped phrases plus a district's own, each checked (see [`check_phrases`]).
    pub fn with_additions(phrases: &[String]) -> Result<Matcher, FieldError> {
        check_phrases(phrases)?;
        let mut matcher = Matcher::new();
        for phrase in phrases {
            if let Some(pattern) = Pattern::parse(phrase.trim(), None) {
                matcher.rules.push(Rule { pattern, kind: CrisisKind::District, source: PhraseSource::District });
            }
        }
        Ok(matcher)
    }

    /// The first (leftmost; the longest there) sign of a crisis in `text`, if any.
    pub fn check(&self, text: &str) -> Option<CrisisHit> {
        self.check_all(text).into_iter().next()
    }

    /// Every phrase that matched, leftmost first, one hit per phrase.
    pub fn check_all(&self, text: &str) -> Vec<CrisisHit> {
        let norm = normalise(text);
        if norm.chars.is_empty() {
            return Vec::new();
        }
        let index = Starts::new(&norm);
        let excluded = self.excluded_spans(&norm, &index);
        let mut hits: Vec<(usize, usize, CrisisHit)> = Vec::new();
        for rule in &self.rules {
            if let Some((s, e)) = find_pattern(&rule.pattern, &norm, &index, text, &excluded) {
                let start = norm.origin[s].0;
                let end = norm.origin[e - 1].1;
                hits.push((
                    s,
                    e,
                    CrisisHit {
                        phrase: rule.pattern.text.clone(),
                        kind: rule.kind,
                        source: rule.source,
                        start,
                        end,
                        matched: text.get(start..end).unwrap_or_default().to_string(),
                    },
                ));
            }
        }
        hits.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        hits.into_iter().map(|(_, _, hit)| hit).collect()
    }

    fn excluded_spans(&self, norm: &Normalised, index: &Starts) -> Vec<(usize, usize)> {
        let mut spans = Vec::new();
        for exclusion in &self.exclusions {
            // An exclusion is matched on its own, without exclusions, at every place.
            for s in index.candidates(&exclusion.pieces) {
                if let Some(span) = match_piece(norm, "", &exclusion.pieces, s, s + 1, &[]) {
                    spans.push(span);
                }
            }
        }
        spans
    }
}

/// Checks a district's phrases: at most [`MAX_PHRASES`], each 1 to [`MAX_PHRASE_CHARS`]
/// characters, no control characters, something left to match after normalisation.
pub fn check_phrases(phrases: &[String]) -> Result<(), FieldError> {
    if phrases.len() > MAX_PHRASES {
        return Err(FieldError::new(
            "phrases",
            format!("{} phrases: at most {MAX_PHRASES} are allowed", phrases.len()),
        ));
    }
    for (i, phrase) in phrases.iter().enumerate() {
        let n = phrase.chars().count();
        if n == 0 || n > MAX_PHRASE_CHARS {
            return Err(FieldError::new(
                "phrases",
                format!("phrase {}: is {n} characters long; 1 to {MAX_PHRASE_CHARS} are allowed", i + 1),
            ));
        }
        if phrase.chars().any(char::is_control) {
            return Err(FieldError::new("phrases", format!("phrase {}: must not hold control characters", i + 1)));
        }
        if Pattern::parse(phrase.trim(), None).is_none() {
            return Err(FieldError::new(
                "phrases",
                format!(
                    "phrase {}: «{phrase}» has nothing to match (only spaces, punctuation or an empty piece around …)",
                    i + 1
                ),
            ));
        }
    }
    Ok(())
}

/// Finds the leftmost occurrence of `pattern` none of whose pieces is covered by an
/// exclusion; an ASCII letter or digit at either end of the match must not run on into more
/// of them in the original text ("zs" is not found in "zsxx", "想4" not in "想4月份").
fn find_pattern(
    pattern: &Pattern,
    norm: &Normalised,
    index: &Starts,
    text: &str,
    excluded: &[(usize, usize)],
) -> Option<(usize, usize)> {
    for s in index.candidates(&pattern.pieces) {
        if let Some((s, e)) = match_piece(norm, text, &pattern.pieces, s, s + 1, excluded) {
            if latin_bounded(norm, text, s, e) {
                return Some((s, e));
            }
        }
    }
    None
}

fn latin_bounded(norm: &Normalised, text: &str, s: usize, e: usize) -> bool {
    let runs_on = |c: Option<char>| c.is_some_and(|c| half_width_char(c).is_ascii_alphanumeric());
    if norm.chars[s].is_ascii_alphanumeric()
        && runs_on(text.get(..norm.origin[s].0).and_then(|t| t.chars().next_back()))
    {
        return false;
    }
    if norm.chars[e - 1].is_ascii_alphanumeric()
        && runs_on(text.get(norm.origin[e - 1].1..).and_then(|t| t.chars().next()))
    {
        return false;
    }
    true
}

/// Where each character occurs in a normalised text, so that a phrase is tried only where
/// one of its first piece's alternatives could start.
struct Starts(HashMap<char, Vec<usize>>);

impl Starts {
    fn new(norm: &Normalised) -> Starts {
        let mut map: HashMap<char, Vec<usize>> = HashMap::new();
        for (i, &c) in norm.chars.iter().enumerate() {
            map.entry(c).or_default().push(i);
        }
        Starts(map)
    }

    /// The places, in order, where a first piece's alternative begins with the right character.
    fn candidates(&self, pieces: &[Vec<Alt>]) -> Vec<usize> {
        let mut starts: Vec<usize> = pieces
            .first()
            .into_iter()
            .flatten()
            .filter_map(|alt| alt.chars.first().and_then(|c| self.0.get(c)))
            .flatten()
            .copied()
            .collect();
        starts.sort_unstable();
        starts.dedup();
        starts
    }
}

/// Whether a sentence ends after the normalised character `e - 1`: the original text ends
/// there or goes on with a sign that is not a letter or a digit. (Exclusions, matched with
/// no text, never ask.)
fn sentence_ends(norm: &Normalised, text: &str, e: usize) -> bool {
    text.get(norm.origin[e - 1].1..).and_then(|t| t.chars().next()).is_none_or(|c| !c.is_alphanumeric())
}

/// Matches `pieces[0]` starting in `from..until` and the rest after it, each following
/// piece at most [`MAX_GAP`] characters after the one before, no piece covered by an
/// excluded span; the leftmost (start, end).
fn match_piece(
    norm: &Normalised,
    text: &str,
    pieces: &[Vec<Alt>],
    from: usize,
    until: usize,
    excluded: &[(usize, usize)],
) -> Option<(usize, usize)> {
    let hay = &norm.chars;
    let (alternatives, rest) = pieces.split_first()?;
    for s in from..until.min(hay.len()) {
        for alt in alternatives {
            let n = alt.chars.len();
            if n == 0 || s + n > hay.len() || hay[s..s + n] != alt.chars[..] {
                continue;
            }
            if excluded.iter().any(|&(xs, xe)| xs <= s && s + n <= xe) {
                continue;
            }
            if alt.sentence_end && !sentence_ends(norm, text, s + n) {
                continue;
            }
            if rest.is_empty() {
                return Some((s, s + n));
            }
            let after = s + n;
            if let Some((_, e)) = match_piece(norm, text, rest, after, after + MAX_GAP + 1, excluded) {
                return Some((s, e));
            }
        }
    }
    None
}

/// A text as the matcher reads it: its characters after normalisation, each with the byte
/// range of the original character it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalised {
    pub chars: Vec<char>,
    pub origin: Vec<(usize, usize)>,
}

impl Normalised {
    pub fn as_string(&self) -> String {
        self.chars.iter().collect()
    }
}

/// Variants OpenCC's character table keeps (著 is a simplified character too) but that
/// are the same word for the matcher, and homophone typos of the phrases' characters.
const EXTRA_VARIANTS: &[(char, char)] =
    &[('著', '着'), ('乾', '干'), ('於', '于'), ('麽', '么'), ('妳', '你'), ('祢', '你')];

static T2S: LazyLock<HashMap<char, char>> = LazyLock::new(|| {
    let mut map = HashMap::new();
    for (from, to) in hanconv::RawDictionary::TSCharacters.iter() {
        let (mut f, mut t) = (from.chars(), to.chars());
        if let (Some(f0), None, Some(t0), None) = (f.next(), f.next(), t.next(), t.next()) {
            map.insert(f0, t0);
        }
    }
    for &(from, to) in EXTRA_VARIANTS {
        map.insert(from, to);
    }
    map
});

/// Full-width ASCII forms (Ａ, ２, ！) and the ideographic space as their ASCII selves.
fn half_width_char(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Normalises text for matching: NFKC (full-width and compatibility forms), full-width →
/// half-width, lowercase, traditional → simplified characters, and every character that is
/// not a letter or a digit (spaces, punctuation, symbols, emoji) dropped.
pub fn normalise(text: &str) -> Normalised {
    use unicode_normalization::UnicodeNormalization;
    let mut chars = Vec::with_capacity(text.len() / 2);
    let mut origin = Vec::with_capacity(text.len() / 2);
    for (at, c) in text.char_indices() {
        let end = at + c.len_utf8();
        for k in std::iter::once(half_width_char(c)).nfkc() {
            for l in k.to_lowercase() {
                if !l.is_alphanumeric() {
                    continue;
                }
                let s = T2S.get(&l).copied().unwrap_or(l);
                chars.push(s);
                origin.push((at, end));
            }
        }
    }
    Normalised { chars, origin }
}

/// A number a worker can call, shown large with words of care.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Hotline {
    /// 1 to 40 characters, e.g. "职工服务热线".
    pub name: String,
    /// 3 to 20 characters: digits, with '-' or spaces between groups, e.g. "400-161-9995".
    pub number: String,
}

impl Hotline {
    pub fn new(name: &str, number: &str) -> Hotline {
        Hotline { name: name.to_string(), number: number.to_string() }
    }
}

/// A district's crisis settings: the numbers shown to a worker whose text was flagged, and
/// the district's own phrases added to the shipped list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields, default)]
pub struct CrisisSettings {
    /// 1 to 6 hotlines, in the order shown.
    pub hotlines: Vec<Hotline>,
    /// The district's own phrases (at most 200, each 1 to 40 characters, no control
    /// characters; pieces may be joined by "…" to allow up to 8 characters between them,
    /// alternatives by "|").
    pub phrases: Vec<String>,
}

impl Default for CrisisSettings {
    fn default() -> CrisisSettings {
        CrisisSettings {
            hotlines: vec![
                Hotline::new("职工服务热线", "12351"),
                Hotline::new("全国心理援助热线", "400-161-9995"),
                Hotline::new("北京心理危机研究与干预中心", "010-82951332"),
            ],
            phrases: Vec::new(),
        }
    }
}

impl CrisisSettings {
    pub fn check(&self) -> Result<(), FieldError> {
        if self.hotlines.is_empty() || self.hotlines.len() > MAX_HOTLINES {
            return Err(FieldError::new(
                "hotlines",
                format!("{} hotlines: 1 to {MAX_HOTLINES} are allowed", self.hotlines.len()),
            ));
        }
        for (i, hotline) in self.hotlines.iter().enumerate() {
            let name = hotline.name.trim();
            let n = name.chars().count();
            if n == 0 || n > 40 || name.chars().any(char::is_control) {
                return Err(FieldError::new(
                    "hotlines",
                    format!("hotline {}: the name must be 1 to 40 characters on one line", i + 1),
                ));
            }
            let number = hotline.number.trim();
            let digits = number.chars().filter(char::is_ascii_digit).count();
            let well_formed = (3..=20).contains(&number.chars().count())
                && number.chars().all(|c| c.is_ascii_digit() || c == '-' || c == ' ')
                && number.starts_with(|c: char| c.is_ascii_digit())
                && number.ends_with(|c: char| c.is_ascii_digit());
            if !well_formed || digits < 3 {
                return Err(FieldError::new(
                    "hotlines",
                    format!(
                        "hotline {}: «{}» is not a telephone number (digits, with '-' or spaces between groups)",
                        i + 1,
                        hotline.number
                    ),
                ));
            }
        }
        check_phrases(&self.phrases)
    }

    /// The matcher for this district (shipped phrases plus its own).
    pub fn matcher(&self) -> Result<Matcher, FieldError> {
        Matcher::with_additions(&self.phrases)
    }
}

#[cfg(test)]
mod tests;
