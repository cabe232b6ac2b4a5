//! My appointments (issue 20): a specialist's page of today's and this week's appointments,
//! and their personal iCalendar feed at a secret address (only its hash stored), parsed by
//! a real iCalendar parser (the `icalendar` crate): one event per appointment, the case
//! number and the place, never the worker or the case's text; rotated and revoked from
//! the page, after which the old address is 404.

use crate::appointments::{put_duty, register};
use crate::harness::{Backend, Client, TestApp};
use chrono::{Datelike, Weekday};
use icalendar::{CalendarDateTime, Component, DatePerhapsTime};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn hidden(html: &str, name: &str) -> String {
    let at = html.find(&format!("name=\"{name}\" value=\"")).unwrap_or_else(|| panic!("no {name} in the form"));
    let rest = &html[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()].to_owned()
}

fn by_id(html: &str, id: &str) -> String {
    let at = html.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no #{id} in: {html}"));
    let rest = &html[at..];
    let start = rest.find('>').unwrap() + 1;
    rest[start..start + rest[start..].find('<').unwrap()].trim().to_owned()
}

async fn page(c: &Client, path: &str) -> (StatusCode, String) {
    let r = c.http.get(format!("{}{path}", c.base)).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

/// Posts a form of /me/appointments with its CSRF token; the answer's status and page.
async fn post_form(c: &Client, path: &str) -> (StatusCode, String) {
    let (_, html) = page(c, "/me/appointments").await;
    let csrf = hidden(&html, "csrf");
    let r = c.http.post(format!("{}{path}", c.base)).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

/// The feed at `url` (its path on the test server), parsed.
async fn feed(anon: &Client, url: &str) -> (StatusCode, Option<icalendar::Calendar>, String) {
    let path = &url[url.find("/cal/").unwrap()..];
    let r = anon.http.get(format!("{}{path}", anon.base)).send().await.unwrap();
    let status = r.status();
    let content_type = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let text = r.text().await.unwrap();
    if status != StatusCode::OK {
        return (status, None, text);
    }
    assert!(content_type.starts_with("text/calendar"), "{content_type}");
    assert!(text.contains("\r\n") && !text.replace("\r\n", "").contains('\n'), "lines end with CRLF");
    (status, Some(text.parse::<icalendar::Calendar>().unwrap()), text)
}

async fn book(c: &Client, number: &str, specialist: &str, slot: &Value) -> Value {
    let body = json!({"specialist": specialist, "starts_at": slot["starts_at"]});
    c.ok(&format!("/api/v1/cases/{number}/appointments"), body, StatusCode::CREATED).await
}

async fn my_appointments_and_the_calendar_feed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    put_duty(&app).await;
    let chair = app.login("e1chair").await;
    let (dispute, _, day) = register(&chair, "dispute").await;
    // A confidential case of an anonymous worker: nothing of it but its number may reach
    // a phone's calendar.
    let body = json!({"union":"jd.s1.e1","kind":"wellbeing","channel":"hotline","title":"失眠焦虑",
        "description":"夜班后失眠，想找心理咨询师谈谈","worker_name":"张小花","contact":"13800000000","anonymous":true});
    let wellbeing = chair.ok("/api/v1/cases", body, StatusCode::CREATED).await["number"].as_str().unwrap().to_owned();
    let tomorrow = day + chrono::Duration::days(1);
    let slots = |specialty: &'static str| {
        let chair = &chair;
        async move {
            let to = tomorrow + chrono::Duration::days(7);
            let path = format!("/api/v1/slots?union=jd.s1.e1&specialty={specialty}&from={tomorrow}&to={to}");
            let (s, b) = chair.get(&path).await;
            assert_eq!(s, StatusCode::OK, "{b}");
            b["slots"].as_array().unwrap().clone()
        }
    };
    let mediator_slots = slots("mediator").await;
    let booked = book(&chair, &dispute, "mediator", &mediator_slots[10]).await;
    let counsellor_slots = slots("counsellor").await;
    let with_counsellor = book(&chair, &wellbeing, "e1handler", &counsellor_slots[20]).await;

    // The mediator's page: the booking is this week's unless tomorrow is next week.
    let mediator = app.login("mediator").await;
    let (s, html) = page(&mediator, "/me/appointments").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(html.contains(&dispute), tomorrow.weekday() != Weekday::Mon, "{html}");
    assert!(!html.contains(&wellbeing), "only the mediator's own appointments");
    // A worker account has no such page (a staff page: 403, as the inbox).
    let worker = app.login("worker1").await;
    assert_eq!(page(&worker, "/me/appointments").await.0, StatusCode::FORBIDDEN);

    // Making the feed shows its address once; a phone subscribes without logging in.
    let (s, html) = post_form(&mediator, "/account/calendar").await;
    assert_eq!(s, StatusCode::OK, "{html}");
    let url = by_id(&html, "calendar-url");
    assert!(url.contains("/cal/") && url.ends_with(".ics"), "{url}");
    let (_, again) = page(&mediator, "/me/appointments").await;
    assert!(!again.contains(&url), "the address is shown only when it is made");
    let anon = app.anonymous();
    let (s, cal, text) = feed(&anon, &url).await;
    assert_eq!(s, StatusCode::OK);
    let cal = cal.unwrap();
    let events: Vec<_> = cal.events().collect();
    assert_eq!(events.len(), 1, "{text}");
    let e = events[0];
    assert_eq!(e.get_summary(), Some(format!("约谈 {dispute}").as_str()));
    assert_eq!(e.property_value("LOCATION"), Some("区总工会调解室"));
    let start =
        youyue_domain::Timestamp::parse_rfc3339(booked["starts_at"].as_str().unwrap()).unwrap().to_cst().naive_local();
    match e.get_start() {
        Some(DatePerhapsTime::DateTime(CalendarDateTime::WithTimezone { date_time, tzid })) => {
            assert_eq!((date_time, tzid.as_str()), (start, "Asia/Shanghai"));
        }
        other => panic!("DTSTART {other:?}"),
    }

    // The counsellor's feed: the wellbeing case's number, and nothing else of it.
    let counsellor = app.login("e1handler").await;
    let (_, html) = post_form(&counsellor, "/account/calendar").await;
    let counsellor_url = by_id(&html, "calendar-url");
    let (_, cal, text) = feed(&anon, &counsellor_url).await;
    let cal = cal.unwrap();
    let events: Vec<_> = cal.events().collect();
    assert_eq!(events.len(), 1, "{text}");
    assert_eq!(events[0].get_summary(), Some(format!("约谈 {wellbeing}").as_str()));
    for secret in ["张小花", "13800000000", "失眠", "心理", "wellbeing", "谈心理"] {
        assert!(!text.contains(secret), "the feed carries {secret}: {text}");
    }
    let _ = with_counsellor;

    // A cancelled appointment leaves the feed.
    let id = booked["id"].as_i64().unwrap();
    let r = chair
        .http
        .delete(format!("{}/api/v1/appointments/{id}", chair.base))
        .json(&json!({"reason": "职工改期"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (_, cal, _) = feed(&anon, &url).await;
    assert_eq!(cal.unwrap().events().count(), 0);

    // Rotated: the old address is 404, the new one works; revoked: 404.
    let (_, html) = post_form(&mediator, "/account/calendar").await;
    let rotated = by_id(&html, "calendar-url");
    assert_ne!(rotated, url);
    assert_eq!(feed(&anon, &url).await.0, StatusCode::NOT_FOUND);
    assert_eq!(feed(&anon, &rotated).await.0, StatusCode::OK);
    let (s, html) = post_form(&mediator, "/account/calendar/revoke").await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("id=\"calendar-notice\""), "{html}");
    assert_eq!(feed(&anon, &rotated).await.0, StatusCode::NOT_FOUND);
    assert_eq!(feed(&anon, &counsellor_url).await.0, StatusCode::OK, "another account's feed is its own");
    for bad in ["/cal/nothing.ics", "/cal/0000000000000000000000000000000000000000000000000000000000000000.ics"] {
        assert_eq!(feed(&anon, bad).await.0, StatusCode::NOT_FOUND, "{bad}");
    }
    // A form without its CSRF token makes nothing.
    let r = mediator.http.post(format!("{}/account/calendar", mediator.base)).form(&[("csrf", "x")]).send().await;
    assert!(r.unwrap().status().is_client_error());
}
both!(my_appointments_and_the_calendar_feed);
