//! Deadline control on the case page (issue 22): 催办 (chase) and its words.

/// The page's words for deadline control, Chinese and English.
pub fn words(key: &str) -> Option<(&'static str, &'static str)> {
    Some(match key {
        "do_chase" => ("催办", "Chase"),
        "done_chase" => ("已催办，承办人和该会主席会收到通知。", "Chased: the handler and the union's chair are told."),
        "chase_hint" => (
            "上级工会督促本约事尽快办理。催办记入登记簿（内部），职工看不到。",
            "A union above urges this case on. The chase is in the record book (internal); the worker does not see it.",
        ),
        "chase_note" => ("催办意见", "What you ask of the handling union"),
        _ => return None,
    })
}
