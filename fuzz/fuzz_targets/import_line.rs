//! Fuzzes `Line::parse`, the parser of one line of `youyue import` (JSON Lines).
//!
//! What it checks, for any bytes:
//! - parsing never panics (bytes that are not UTF-8 are skipped: import refuses them
//!   before parsing);
//! - a line that parses can be written back the way `youyue export` writes it
//!   (`Line::to_json`), as one line, and that line parses to the same record and is
//!   written again byte for byte the same: import reads back everything export writes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use youyue_domain::exchange::Line;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(line) = Line::parse(text) else {
        return;
    };
    let json = line.to_json();
    assert!(json.is_ok(), "a parsed line cannot be written back: {json:?}\nline: {line:?}");
    let Ok(json) = json else { return };
    assert!(!json.contains(['\n', '\r']), "export wrote more than one line: {json:?}");
    let again = Line::parse(&json);
    assert_eq!(
        again,
        Ok(line),
        "the record changed on the way through export and import\ninput: {text:?}\nexported: {json}"
    );
    let json_again = again.map(|l| l.to_json().map_err(|e| e.to_string()));
    assert_eq!(json_again, Ok(Ok(json)), "export of the re-imported record differs");
});
