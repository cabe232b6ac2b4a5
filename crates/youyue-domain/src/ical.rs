//! A specialist's personal calendar feed (RFC 5545 iCalendar), for a phone's calendar to
//! subscribe to. Each event says only "约谈" and the case number, and the place: never the
//! worker, the case's kind or its text (a wellbeing case's details, an anonymous worker's
//! identity), since a phone's calendar is neither logged nor confidential.

use crate::time::Timestamp;

/// One appointment as the feed carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEvent {
    /// The appointment's id: the event's UID.
    pub id: i64,
    /// The case number, e.g. JD-2026-000123.
    pub case: String,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    /// Where: a room, or "线上" (online).
    pub place: String,
    /// When it was last changed (the event's DTSTAMP and LAST-MODIFIED).
    pub changed_at: Timestamp,
}

/// The feed: a VCALENDAR with one VEVENT per appointment, start and end in China time
/// (`TZID=Asia/Shanghai`, defined by a VTIMEZONE: UTC+8 without summer time since 1991),
/// stamps in UTC, CRLF line ends, lines folded at 75 octets.
pub fn feed(name: &str, events: &[FeedEvent]) -> String {
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//youyue//my appointments//ZH".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        "METHOD:PUBLISH".to_owned(),
        format!("X-WR-CALNAME:{}", escape(name)),
        "X-WR-TIMEZONE:Asia/Shanghai".to_owned(),
        "BEGIN:VTIMEZONE".to_owned(),
        "TZID:Asia/Shanghai".to_owned(),
        "BEGIN:STANDARD".to_owned(),
        "DTSTART:19700101T000000".to_owned(),
        "TZOFFSETFROM:+0800".to_owned(),
        "TZOFFSETTO:+0800".to_owned(),
        "TZNAME:CST".to_owned(),
        "END:STANDARD".to_owned(),
        "END:VTIMEZONE".to_owned(),
    ];
    for e in events {
        lines.push("BEGIN:VEVENT".to_owned());
        lines.push(format!("UID:appointment-{}@youyue", e.id));
        lines.push(format!("DTSTAMP:{}", utc(e.changed_at)));
        lines.push(format!("LAST-MODIFIED:{}", utc(e.changed_at)));
        lines.push(format!("DTSTART;TZID=Asia/Shanghai:{}", china(e.starts_at)));
        lines.push(format!("DTEND;TZID=Asia/Shanghai:{}", china(e.ends_at)));
        lines.push(format!("SUMMARY:{}", escape(&format!("约谈 {}", e.case))));
        if !e.place.trim().is_empty() {
            lines.push(format!("LOCATION:{}", escape(e.place.trim())));
        }
        lines.push("STATUS:CONFIRMED".to_owned());
        lines.push("END:VEVENT".to_owned());
    }
    lines.push("END:VCALENDAR".to_owned());
    lines.iter().map(|l| fold(l)).collect()
}

/// A time as China's local time in iCalendar's form, 20261207T140000.
fn china(t: Timestamp) -> String {
    t.to_cst().format("%Y%m%dT%H%M%S").to_string()
}

/// A time as iCalendar's UTC form, 20261207T060000Z.
fn utc(t: Timestamp) -> String {
    t.to_utc().format("%Y%m%dT%H%M%SZ").to_string()
}

/// TEXT as RFC 5545 writes it: backslash, semicolon and comma escaped, line breaks as \n.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A content line folded into lines of at most 75 octets, each ended by CRLF; a character
/// is never split.
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_say_only_the_number_and_the_place() {
        let t = |s: &str| Timestamp::parse_rfc3339(s).unwrap();
        let e = FeedEvent {
            id: 7,
            case: "JD-2026-000123".into(),
            starts_at: t("2026-12-08T14:00:00+08:00"),
            ends_at: t("2026-12-08T15:00:00+08:00"),
            place: "工会调解室; 三楼, 东".into(),
            changed_at: t("2026-12-07T09:30:00+08:00"),
        };
        let text = feed("工会有约", &[e]);
        assert!(text.contains("DTSTART;TZID=Asia/Shanghai:20261208T140000\r\n"), "{text}");
        assert!(text.contains("TZID:Asia/Shanghai\r\n") && text.contains("TZOFFSETTO:+0800\r\n"), "{text}");
        assert!(text.contains("SUMMARY:约谈 JD-2026-000123\r\n"), "{text}");
        assert!(text.contains("LOCATION:工会调解室\\; 三楼\\, 东\r\n"), "{text}");
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        assert!(text.lines().all(|l| l.len() <= 76), "{text}");
    }

    #[test]
    fn long_lines_fold_between_characters() {
        let long = format!("LOCATION:{}", "调".repeat(40));
        let folded = fold(&long);
        let parts: Vec<&str> = folded.split("\r\n").filter(|p| !p.is_empty()).collect();
        assert!(parts.len() > 1);
        assert!(parts.iter().all(|p| p.len() <= 75), "{parts:?}");
        let joined: String = parts.iter().enumerate().map(|(i, p)| if i == 0 { *p } else { &p[1..] }).collect();
        assert_eq!(joined, long);
    }
}
