//! The pages in a real headless Chromium (Debian's `chromium` and `chromium-driver`),
//! against the real server on loopback: the story of 刘师傅 from DOMAIN.md, and what one
//! enterprise's staff must never see. Screenshots of each main page, phone and desktop,
//! are saved under target/screenshots/ for people to look at.

use crate::harness::{Backend, TestApp, PASSWORD};
use calamine::Reader;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub(crate) const PHONE: (u32, u32) = (360, 780);
pub(crate) const DESKTOP: (u32, u32) = (1280, 900);

/// A chromedriver of the test's own, stopped when dropped.
pub(crate) struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    // The child is killed and waited for in Drop, also when the start fails.
    #[allow(clippy::zombie_processes)]
    pub(crate) async fn start() -> Driver {
        // Port 0: chromedriver takes a free port and prints it ("… started successfully on
        // port N."), so no port is chosen before it binds.
        let mut child =
            Command::new("chromedriver").arg("--port=0").stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect(
                "chromedriver is required for the browser tests (Debian package chromium-driver; .ci/run installs it)",
            );
        let out = child.stdout.take().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<u16>();
        // Reads stdout to its end, so that chromedriver never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in std::io::BufRead::lines(std::io::BufReader::new(out)).map_while(Result::ok) {
                let port = line.strip_prefix("ChromeDriver was started successfully on port ");
                if let Some(port) = port.and_then(|p| p.trim_end_matches('.').parse().ok()) {
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(port);
                    }
                }
            }
        });
        let driver = |port| Driver { child, port };
        match tokio::time::timeout(Duration::from_secs(30), rx).await {
            Ok(Ok(port)) => driver(port),
            failed => {
                drop(driver(0));
                panic!("chromedriver did not start: {failed:?}");
            }
        }
    }

    /// A fresh browser (its own profile and cookies) with a window of `size`.
    pub(crate) async fn browser(&self, size: (u32, u32)) -> Client {
        let profile = tempfile::tempdir().unwrap().keep();
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--no-first-run", "--hide-scrollbars", "--lang=zh-CN",
                         format!("--user-data-dir={}", profile.display()),
                         format!("--window-size={},{}", size.0, size.1)]
            }),
        );
        let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .unwrap();
        c.set_window_size(size.0, size.1).await.unwrap();
        c
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn shot_dir() -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Saves a full-page screenshot: the window is stretched to the page's height first.
pub(crate) async fn shot(c: &Client, name: &str, width: u32) {
    let height =
        c.execute("return document.documentElement.scrollHeight", vec![]).await.unwrap().as_u64().unwrap_or(900);
    c.set_window_size(width, (height as u32).clamp(400, 4000)).await.unwrap();
    let png = c.screenshot().await.unwrap();
    std::fs::write(shot_dir().join(format!("{name}.png")), png).unwrap();
}

pub(crate) async fn text(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}")).text().await.unwrap()
}

pub(crate) async fn fill(c: &Client, css: &str, value: &str) {
    let e = c.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
    e.clear().await.unwrap();
    e.send_keys(value).await.unwrap();
}

pub(crate) async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}")).click().await.unwrap();
}

/// Clicks a button that submits a form and waits until the next page has loaded (the old
/// document is marked, so that nothing is read from it by mistake).
pub(crate) async fn submit(c: &Client, css: &str) {
    c.execute("document.documentElement.dataset.stale = '1'", vec![]).await.unwrap();
    click(c, css).await;
    for _ in 0..200 {
        let fresh = c
            .execute("return document.readyState === 'complete' && !document.documentElement.dataset.stale", vec![])
            .await
            .map(|v| v.as_bool() == Some(true))
            .unwrap_or(false);
        if fresh {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no new page after clicking {css}");
}

pub(crate) async fn login(c: &Client, app: &TestApp, username: &str) {
    c.goto(&app.url("/login")).await.unwrap();
    fill(c, "#username", username).await;
    fill(c, "#password", PASSWORD).await;
    submit(c, "#login").await;
    assert!(c.current_url().await.unwrap().path().starts_with("/inbox"), "login as {username} failed");
}

/// Opens the action's <details> on the case page.
async fn open_action(c: &Client, button: &str) {
    click(c, &format!("details.action:has({button}) summary")).await;
}

async fn liu_shifu_in_the_browser(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let driver = Driver::start().await;
    let tag = format!("{backend:?}").to_lowercase();

    // 刘师傅, on his phone, raises a dispute at his factory's studio.
    let phone = driver.browser(PHONE).await;
    phone.goto(&app.url("/s/jd.s1.e1")).await.unwrap();
    assert_eq!(text(&phone, "h1").await.lines().next().unwrap(), "纸箱厂工会");
    shot(&phone, &format!("{tag}-phone-studio"), PHONE.0).await;
    // Submitting without a kind or a description is refused, field by field, and kept filled in.
    fill(&phone, "#worker_name", "刘师傅").await;
    submit(&phone, "#submit").await;
    assert!(text(&phone, "#kind-error").await.contains("请选择"));
    assert!(text(&phone, "#description-error").await.contains("具体情况"));
    assert_eq!(phone.find(Locator::Css("#worker_name")).await.unwrap().prop("value").await.unwrap().unwrap(), "刘师傅");
    shot(&phone, &format!("{tag}-phone-studio-errors"), PHONE.0).await;
    click(&phone, "input[name=kind][value=dispute] + span").await;
    fill(&phone, "#description", "操作失误导致手掌受伤，与企业就工伤赔偿发生争议。").await;
    fill(&phone, "#contact", "13800000001").await;
    submit(&phone, "#submit").await;
    let number = text(&phone, "#case-number").await;
    let code = text(&phone, "#tracking-code").await;
    assert!(number.starts_with("JD-"), "{number}");
    assert_eq!(code.len(), 11, "{code}");
    shot(&phone, &format!("{tag}-phone-submitted"), PHONE.0).await;

    // The receptionist accepts it, urgent, and assigns the district's mediator.
    let desk = driver.browser(DESKTOP).await;
    login(&desk, &app, "e1reception").await;
    assert!(desk.source().await.unwrap().contains(&number), "the new case is in the inbox");
    shot(&desk, &format!("{tag}-desktop-inbox"), DESKTOP.0).await;
    desk.goto(&app.url(&format!("/cases/{number}"))).await.unwrap();
    open_action(&desk, "#do-accept").await;
    desk.find(Locator::Css("#urgency")).await.unwrap().select_by_value("urgent").await.unwrap();
    submit(&desk, "#do-accept").await;
    assert_eq!(text(&desk, "#case-status strong").await, "已受理");
    open_action(&desk, "#do-assign").await;
    desk.find(Locator::Css("#handler-select")).await.unwrap().select_by_value("mediator").await.unwrap();
    submit(&desk, "#do-assign").await;
    assert_eq!(text(&desk, "#case-status strong").await, "办理中");
    assert_eq!(text(&desk, "#handler").await, "mediator 同志", "the handler by name");
    // The receptionist may not resolve: the form is not offered.
    assert!(desk.find(Locator::Css("#do-resolve")).await.is_err());

    // The mediator records the agreement: 30,000 yuan.
    let mediator = driver.browser(DESKTOP).await;
    login(&mediator, &app, "mediator").await;
    mediator.goto(&app.url(&format!("/cases/{number}"))).await.unwrap();
    open_action(&mediator, "#do-resolve").await;
    fill(&mediator, "#resolution-text", "双方当日签订调解协议，企业一次性支付赔偿金30000元。").await;
    fill(&mediator, "#amount_recovered", "30000.001").await;
    submit(&mediator, "#do-resolve").await;
    // Refused by the field: no agreement said, an amount with three decimals.
    assert!(text(&mediator, "#agreement-error, #amount-error").await.len() > 3);
    mediator.find(Locator::Css("#agreement")).await.unwrap().select_by_value("yes").await.unwrap();
    fill(&mediator, "#amount_recovered", "30000").await;
    submit(&mediator, "#do-resolve").await;
    assert_eq!(text(&mediator, "#case-status strong").await, "已解决");
    assert_eq!(text(&mediator, "#amount").await, "¥30,000.00");
    shot(&mediator, &format!("{tag}-desktop-case"), DESKTOP.0).await;

    // 刘师傅 looks it up and rates it.
    phone.goto(&app.url("/track")).await.unwrap();
    fill(&phone, "#number", &number).await;
    fill(&phone, "#code", &code.to_lowercase()).await;
    submit(&phone, "#lookup").await;
    assert_eq!(text(&phone, "#case-status").await, "已解决");
    assert!(text(&phone, "#answer").await.contains("30000"));
    assert_eq!(text(&phone, "#amount").await, "¥30,000.00");
    let page = phone.source().await.unwrap();
    assert!(!page.contains("mediator"), "a staff name reached the worker");
    click(&phone, "#rate-form input[name=rating][value='5']").await;
    fill(&phone, "#comment", "当天就解决了").await;
    submit(&phone, "#rate").await;
    assert_eq!(text(&phone, "#rating").await, "非常满意");
    assert!(phone.find(Locator::Css("#rate-form")).await.is_err(), "rated once only");
    shot(&phone, &format!("{tag}-phone-track"), PHONE.0).await;

    // And rates his union for the month (一月一评): once.
    phone.goto(&app.url("/s/jd.s1.e1/rate")).await.unwrap();
    click(&phone, "input[name=score][value='5']").await;
    submit(&phone, "#vote").await;
    assert_eq!(text(&phone, "#vote-notice").await, "谢谢，您的评分已计入。");
    click(&phone, "input[name=score][value='1']").await;
    submit(&phone, "#vote").await;
    assert!(text(&phone, "#vote-notice").await.contains("已评过分"));
    shot(&phone, &format!("{tag}-phone-vote"), PHONE.0).await;

    // The record book shows every step.
    desk.goto(&app.url(&format!("/cases/{number}"))).await.unwrap();
    let steps = desk.find_all(Locator::Css("#record li")).await.unwrap();
    let mut actions = Vec::new();
    for s in steps {
        actions.push(s.attr("data-action").await.unwrap().unwrap());
    }
    assert_eq!(actions, ["登记", "受理", "指派", "解决", "评价"]);
    assert_eq!(text(&desk, "#rating").await, "非常满意");

    // English by a switch, remembered.
    submit(&desk, "#lang-switch").await;
    assert_eq!(text(&desk, "#case-status strong").await, "Resolved");
    desk.goto(&app.url("/inbox?tab=all")).await.unwrap();
    assert!(text(&desk, "h1").await.contains("Inbox"));
    shot(&desk, &format!("{tag}-desktop-inbox-en"), DESKTOP.0).await;

    for c in [phone, desk, mediator] {
        c.close().await.unwrap();
    }
}
both!(liu_shifu_in_the_browser);

async fn other_enterprises_and_anonymous_contacts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let driver = Driver::start().await;
    let tag = format!("{backend:?}").to_lowercase();
    let api = app.anonymous();
    let e1 = api
        .ok("/api/v1/public/cases", json!({"union":"jd.s1.e1","kind":"claim","description":"加班费","anonymous":true,"worker_name":"王五","contact":"13900009999"}), reqwest::StatusCode::CREATED)
        .await;
    let number = e1["number"].as_str().unwrap().to_owned();

    // Staff of another enterprise: changing the URL finds nothing.
    let other = driver.browser(DESKTOP).await;
    login(&other, &app, "e2reception").await;
    other.goto(&app.url(&format!("/cases/{number}"))).await.unwrap();
    assert_eq!(text(&other, "h1").await, "找不到这个页面");
    let resp = reqwest::get(app.url(&format!("/cases/{number}"))).await.unwrap();
    assert!(resp.url().path().starts_with("/login"), "pages need a login");
    shot(&other, &format!("{tag}-desktop-404"), DESKTOP.0).await;
    other.goto(&app.url("/inbox?tab=all")).await.unwrap();
    assert!(!other.source().await.unwrap().contains(&number));

    // The worker's own enterprise sees the case but not the anonymous worker's contact.
    let own = driver.browser(PHONE).await;
    login(&own, &app, "e1reception").await;
    own.goto(&app.url(&format!("/cases/{number}"))).await.unwrap();
    let page = own.source().await.unwrap();
    assert!(page.contains("加班费"));
    assert!(!page.contains("13900009999") && !page.contains("王五"), "the contact reached the enterprise");
    shot(&own, &format!("{tag}-phone-case-anonymous"), PHONE.0).await;
    own.goto(&app.url("/inbox?tab=all")).await.unwrap();
    assert!(!own.source().await.unwrap().contains("13900009999"));
    shot(&own, &format!("{tag}-phone-inbox"), PHONE.0).await;

    // The district sees it, and manages the studio's page.
    let district = driver.browser(DESKTOP).await;
    login(&district, &app, "admin").await;
    district.goto(&app.url(&format!("/cases/{number}"))).await.unwrap();
    assert!(text(&district, "#worker").await.contains("13900009999"));
    district.goto(&app.url("/unions/jd.s1.e1")).await.unwrap();
    click(&district, "input[name=done_hotline]").await;
    fill(&district, "input[name=note_hotline]", "0579-12351").await;
    submit(&district, "#save-items").await;
    assert!(text(&district, "#notice").await.len() > 1);
    fill(&district, "#bulletin-title", "五月接待日安排").await;
    fill(&district, "#bulletin-body", "每周三下午律师坐班。").await;
    submit(&district, "#post-bulletin").await;
    shot(&district, &format!("{tag}-desktop-studio"), DESKTOP.0).await;
    district.goto(&app.url("/unions")).await.unwrap();
    shot(&district, &format!("{tag}-desktop-unions"), DESKTOP.0).await;
    // The bulletin is on the workers' page.
    own.goto(&app.url("/s/jd.s1.e1")).await.unwrap();
    assert!(own.source().await.unwrap().contains("五月接待日安排"));
    // A receptionist sees the studio's page but cannot change it.
    own.goto(&app.url("/unions/jd.s1.e1")).await.unwrap();
    assert!(own.find(Locator::Css("#save-items")).await.is_err());
    // A logged-in chair's browser tricked into posting a form without the token: refused.
    let chair = app.login("e1chair").await;
    let forged = chair
        .http
        .post(app.url("/unions/jd.s1.e1/bulletins"))
        .form(&[("title", "forged"), ("body", "y")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), reqwest::StatusCode::BAD_REQUEST, "a form without the CSRF token is refused");
    let forged = chair
        .http
        .post(app.url("/unions/jd.s1.e1/bulletins"))
        .form(&[("title", "forged"), ("body", "y"), ("csrf", &"0".repeat(64))])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), reqwest::StatusCode::BAD_REQUEST, "a token not of this browser is refused");
    own.goto(&app.url("/s/jd.s1.e1")).await.unwrap();
    assert!(!own.source().await.unwrap().contains("forged"));

    for c in [other, own, district] {
        c.close().await.unwrap();
    }
}
both!(other_enterprises_and_anonymous_contacts);

async fn dashboard_drill_down(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    crate::harness::import_text(app.store.as_ref(), &crate::figures::figures_jsonl()).await.unwrap();
    let driver = Driver::start().await;
    let tag = format!("{backend:?}").to_lowercase();
    let c = driver.browser(DESKTOP).await;
    login(&c, &app, "admin").await;
    let dash = app.url("/dashboard?union=jd&preset=custom&from=2022-01-01&to=2022-12-31");
    c.goto(&dash).await.unwrap();
    assert!(text(&c, "#period").await.contains("2022年1月1日"));
    shot(&c, &format!("{tag}-desktop-dashboard"), DESKTOP.0).await;
    // A number and the list behind it.
    let card =
        c.find(Locator::Css("a.figure[href*='figure=disputes_mediated'] .value")).await.unwrap().text().await.unwrap();
    assert_eq!(card, "2");
    submit(&c, "a.figure[href*='figure=disputes_mediated']").await;
    assert_eq!(text(&c, "#total").await, "2");
    assert!(text(&c, "#drill").await.contains("调解劳动纠纷"));
    // A bar and the list behind it.
    c.goto(&dash).await.unwrap();
    submit(&c, "svg.chart a[href*='kind=dispute']").await;
    assert_eq!(text(&c, "#total").await, "4");
    // A month of the trend.
    c.goto(&dash).await.unwrap();
    submit(&c, "svg.trend a[href*='from=2022-05-01']").await;
    assert_eq!(text(&c, "#total").await, "2");
    // The spreadsheets say the same numbers (read back with calamine).
    c.goto(&dash).await.unwrap();
    let href = c.find(Locator::Css("#xlsx")).await.unwrap().attr("href").await.unwrap().unwrap();
    let http = app.login("admin").await;
    let resp = http.http.get(app.url(&href)).send().await.unwrap();
    assert_eq!(resp.status(), reqwest::StatusCode::OK, "{href}");
    let bytes = resp.bytes().await.unwrap();
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = book.worksheet_range("指标").unwrap();
    let value = |label: &str| {
        sheet.rows().find(|r| r[0] == label).map(|r| r[1].to_string()).unwrap_or_else(|| panic!("{label} missing"))
    };
    assert!(sheet.rows().next().unwrap()[0].to_string().contains("2022-01-01 至 2022-12-31"));
    assert_eq!(value("调解劳动纠纷（件）"), "2");
    assert_eq!(value("涉及职工（人）"), "5");
    assert_eq!(value("追讨工资补偿金（元）"), "1350.55");
    assert_eq!(value("建言献策（件）"), "3");
    c.goto(&app.url("/inbox?tab=all&union=jd&from=2022-01-01&to=2022-12-31&figure=disputes_mediated")).await.unwrap();
    let href = c.find(Locator::Css("#xlsx")).await.unwrap().attr("href").await.unwrap().unwrap();
    let bytes = http.http.get(app.url(&href.replace("&amp;", "&"))).send().await.unwrap().bytes().await.unwrap();
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let list = book.worksheet_range("约事").unwrap();
    let numbers: Vec<String> = list.rows().skip(3).map(|r| r[0].to_string()).collect();
    assert_eq!(numbers.len(), 2, "{numbers:?}");
    assert!(numbers.contains(&"JD-2022-000001".to_owned()) && numbers.contains(&"JD-2022-000003".to_owned()));
    let people: f64 = list.rows().skip(3).map(|r| calamine::DataType::as_f64(&r[6]).unwrap()).sum();
    assert_eq!(people, 5.0);
    // The ranking leads to a child union's dashboard.
    c.goto(&dash).await.unwrap();
    submit(&c, "table.list a[href*='union=jd.a']").await;
    assert!(text(&c, "h1").await.starts_with("jd.a"));
    c.goto(&app.url("/assessment?union=jd&year=2022")).await.unwrap();
    assert!(c.find(Locator::Css("#assessment tbody tr")).await.is_ok());
    shot(&c, &format!("{tag}-desktop-assessment"), DESKTOP.0).await;
    let phone = driver.browser(PHONE).await;
    login(&phone, &app, "s1chair").await;
    phone.goto(&app.url("/dashboard")).await.unwrap();
    shot(&phone, &format!("{tag}-phone-dashboard"), PHONE.0).await;
    c.close().await.unwrap();
    phone.close().await.unwrap();
}
both!(dashboard_drill_down);

/// A chair's own account in the browser: a wrong current password is named by its field,
/// the password is changed (the other browser's login ends), the second factor turned on
/// with the app's code and needed at the next login; a wellbeing case's page shows the chair
/// who has read it, and a receptionist cannot open it.
async fn account_and_confidential_cases(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let driver = Driver::start().await;
    let tag = format!("{backend:?}").to_lowercase();
    let c = driver.browser(PHONE).await;
    let other = driver.browser(DESKTOP).await;
    login(&c, &app, "e1chair").await;
    login(&other, &app, "e1chair").await;
    c.goto(&app.url("/account")).await.unwrap();
    shot(&c, &format!("{tag}-phone-account"), PHONE.0).await;
    fill(&c, "#current", "not my password").await;
    fill(&c, "#new", "a much longer password").await;
    fill(&c, "#again", "a much longer password").await;
    submit(&c, "#change-password").await;
    assert!(text(&c, "#password .field-error").await.contains("当前密码不对"));
    fill(&c, "#current", PASSWORD).await;
    fill(&c, "#new", "a much longer password").await;
    fill(&c, "#again", "a much longer password").await;
    submit(&c, "#change-password").await;
    assert!(text(&c, "#account-notice").await.contains("密码已修改"));
    other.goto(&app.url("/inbox")).await.unwrap();
    assert_eq!(other.current_url().await.unwrap().path(), "/login", "the other login has ended");

    // Two-step login: the code of the secret shown on the page turns it on.
    let secret = text(&c, "#totp-secret").await;
    let code = youyue_server::auth::totp::code(&secret, youyue_server::auth::unix_now()).unwrap();
    fill(&c, "#totp-code", &code).await;
    fill(&c, "#totp-password", "a much longer password").await;
    submit(&c, "#totp-on").await;
    assert!(text(&c, "#totp").await.contains("已开启"));
    shot(&c, &format!("{tag}-phone-account-totp-on"), PHONE.0).await;
    other.goto(&app.url("/login")).await.unwrap();
    fill(&other, "#username", "e1chair").await;
    fill(&other, "#password", "a much longer password").await;
    submit(&other, "#login").await;
    assert!(text(&other, "#totp ~ .field-error").await.contains("动态码"), "the code is asked for");
    fill(&other, "#password", "a much longer password").await;
    let code = youyue_server::auth::totp::code(&secret, youyue_server::auth::unix_now()).unwrap();
    fill(&other, "#totp", &code).await;
    submit(&other, "#login").await;
    assert!(other.current_url().await.unwrap().path().starts_with("/inbox"));

    // A worker raises a wellbeing case.
    let w = driver.browser(PHONE).await;
    w.goto(&app.url("/s/jd.s1.e1")).await.unwrap();
    click(&w, "input[name=kind][value=wellbeing]").await;
    fill(&w, "#description", "最近总是失眠，想找人聊聊").await;
    fill(&w, "#contact", "13800001111").await;
    submit(&w, "#submit").await;
    let number = text(&w, "#case-number").await;
    // The chair opens it; the case page lists that reading; a receptionist cannot open it.
    other.goto(&app.url(&format!("/cases/{number}"))).await.unwrap();
    other.refresh().await.unwrap();
    let reads = text(&other, "#reads").await;
    assert!(reads.contains("e1chair") && reads.contains("查阅心理约事") && reads.contains("查看联系方式"), "{reads}");
    shot(&other, &format!("{tag}-desktop-wellbeing-case"), DESKTOP.0).await;
    let r = driver.browser(DESKTOP).await;
    login(&r, &app, "e1reception").await;
    r.goto(&app.url(&format!("/cases/{number}"))).await.unwrap();
    assert!(!r.source().await.unwrap().contains("失眠"), "a receptionist does not see a wellbeing case");
    for b in [c, other, w, r] {
        b.close().await.unwrap();
    }
}
both!(account_and_confidential_cases);

/// A search with more matches than it counts: the inbox says "at least", its tabs hold no
/// number, and its pages go on; a narrow search is counted exactly, tabs and all.
async fn searching_very_many_cases(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let lines: String = (1..=1_100)
        .map(|i| {
            let text = if i % 100 == 0 { "拖欠工资" } else { "工资" };
            crate::search::case_line(i, "jd.s1.e1", "求助", text) + "\n"
        })
        .collect();
    crate::harness::import_text(app.store.as_ref(), &lines).await.unwrap();
    let driver = Driver::start().await;
    let tag = format!("{backend:?}").to_lowercase();
    let c = driver.browser(DESKTOP).await;
    login(&c, &app, "admin").await;
    c.goto(&app.url("/inbox?tab=all&q=工资")).await.unwrap();
    assert_eq!(text(&c, "#total").await, "1000+");
    assert_eq!(text(&c, "a[data-tab='all'] .count").await, "", "no tab number when not all are counted");
    assert!(text(&c, "nav.pager span").await.ends_with('+'));
    shot(&c, &format!("{tag}-desktop-search-many"), DESKTOP.0).await;
    let first = text(&c, "table tbody tr a").await;
    assert_eq!(first, "JD-2022-001100", "newest first");
    click(&c, "nav.pager a[rel=next]").await;
    assert!(c.current_url().await.unwrap().query().unwrap_or_default().contains("page=2"));
    assert!(c.find(Locator::Css("nav.pager a[rel=next]")).await.is_ok(), "page 2 of many has a next page");
    c.goto(&app.url("/inbox?tab=all&q=拖欠")).await.unwrap();
    assert_eq!(text(&c, "#total").await, "11");
    assert_eq!(text(&c, "a[data-tab='all'] .count").await, "11");
    assert_eq!(text(&c, "a[data-tab='resolved'] .count").await, "11");
    c.close().await.unwrap();
}
both!(searching_very_many_cases);

/// Lays the page out as it prints (Chromium's print media, through DevTools), so that a
/// screenshot shows the paper; `false` lays it out for the screen again.
pub(crate) async fn as_printed(c: &Client, print: bool) {
    let media = if print { "print" } else { "" };
    c.issue_cmd(Cdp("Emulation.setEmulatedMedia", json!({ "media": media }))).await.unwrap();
}

/// Issue 19, the worker, in Chromium: a reception-day visitor gets the tracking code on a
/// slip that prints alone; a worker whose in-app browser lost its cookie keeps the text and
/// sends it again on the same page; "查询进度" shows the case without retyping; /track
/// shows the appointment in words.
async fn worker_codes_slips_and_lost_cookies(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let driver = Driver::start().await;
    let tag = format!("{backend:?}").to_lowercase();

    // The receptionist registers a visitor's case and reads the code off the page.
    let desk = driver.browser(DESKTOP).await;
    login(&desk, &app, "e1reception").await;
    desk.goto(&app.url("/cases/new")).await.unwrap();
    desk.find(Locator::Css("#channel")).await.unwrap().select_by_value("reception").await.unwrap();
    click(&desk, "input[name=kind][value=dispute]").await;
    fill(&desk, "#description", "接待日来访：工伤后企业拒绝支付停工留薪期工资。").await;
    fill(&desk, "#worker_name", "赵师傅").await;
    submit(&desk, "#register").await;
    let number = text(&desk, "#case-number").await;
    let code = text(&desk, "#tracking-code").await;
    assert!(number.starts_with("JD-") && code.len() == 11, "{number} {code}");
    assert!(text(&desk, "#slip").await.contains("/track"), "the slip says where to look it up");
    shot(&desk, &format!("{tag}-desktop-registered"), DESKTOP.0).await;
    as_printed(&desk, true).await;
    let printed = desk.find(Locator::Css("header.top")).await.unwrap().is_displayed().await.unwrap();
    assert!(!printed, "only the slip prints");
    assert!(desk.find(Locator::Css("#slip")).await.unwrap().is_displayed().await.unwrap());
    shot(&desk, &format!("{tag}-desktop-registered-slip-printed"), DESKTOP.0).await;
    let phone_desk = driver.browser(PHONE).await;
    login(&phone_desk, &app, "e1reception").await;
    phone_desk.goto(&app.url("/cases/new")).await.unwrap();
    click(&phone_desk, "input[name=kind][value=claim]").await;
    fill(&phone_desk, "#description", "热线来电：加班费未发").await;
    submit(&phone_desk, "#register").await;
    shot(&phone_desk, &format!("{tag}-phone-registered"), PHONE.0).await;

    // The mediator sets an appointment; the visitor looks the case up from the slip.
    let api = app.login("e1reception").await;
    let case = format!("/api/v1/cases/{number}");
    api.ok(&format!("{case}/accept"), json!({}), reqwest::StatusCode::OK).await;
    api.ok(&format!("{case}/assign"), json!({"handler":"mediator"}), reqwest::StatusCode::OK).await;
    let mediator = app.login("mediator").await;
    let when = json!({"starts_at":"2026-12-07T14:00:00+08:00","place":"工会调解室"});
    mediator.ok(&format!("{case}/appointments"), when, reqwest::StatusCode::OK).await;
    let phone = driver.browser(PHONE).await;
    phone.goto(&app.url("/track")).await.unwrap();
    submit(&phone, "#lookup").await;
    assert!(text(&phone, "#number-error").await.contains("请填写约事编号"));
    assert!(text(&phone, "#code-error").await.contains("请填写查询码"));
    shot(&phone, &format!("{tag}-phone-track-empty"), PHONE.0).await;
    fill(&phone, "#number", &number.to_lowercase().replace('-', " ")).await;
    fill(&phone, "#code", &code).await;
    submit(&phone, "#lookup").await;
    let timeline = text(&phone, ".timeline").await;
    assert!(timeline.contains("2026年12月7日 14:00 工会调解室"), "{timeline}");
    assert!(!timeline.contains("T14:00"), "{timeline}");
    shot(&phone, &format!("{tag}-phone-track-appointment"), PHONE.0).await;

    // A worker's in-app browser drops the cookie between loading the form and sending it.
    let w = driver.browser(PHONE).await;
    w.goto(&app.url("/s/jd.s1.e1")).await.unwrap();
    click(&w, "input[name=kind][value=claim] + span").await;
    fill(&w, "#description", "三个月工资未发，车间十二人。").await;
    fill(&w, "#worker_name", "钱师傅").await;
    w.delete_all_cookies().await.unwrap();
    submit(&w, "#submit").await;
    assert!(text(&w, "#csrf-alert").await.contains("请再点一次提交"));
    let kept = w.find(Locator::Css("#description")).await.unwrap().prop("value").await.unwrap().unwrap();
    assert_eq!(kept, "三个月工资未发，车间十二人。");
    shot(&w, &format!("{tag}-phone-studio-cookie-lost"), PHONE.0).await;
    submit(&w, "#submit").await;
    let number = text(&w, "#case-number").await;
    // "查询进度" shows the case at once: the number and code went in the form, not the URL.
    submit(&w, "#track-it").await;
    assert_eq!(w.current_url().await.unwrap().as_str(), app.url("/track"));
    assert!(text(&w, "#case-title").await.starts_with(&number));
    for c in [desk, phone_desk, phone, w] {
        c.close().await.unwrap();
    }
}
both!(worker_codes_slips_and_lost_cookies);

/// A DevTools command through chromedriver (`goog/cdp/execute`): here, to lay the page out
/// as it prints.
#[derive(Debug)]
struct Cdp(&'static str, serde_json::Value);

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &reqwest::Url,
        session: Option<&str>,
    ) -> Result<reqwest::Url, <reqwest::Url as std::str::FromStr>::Err> {
        base.join(&format!("session/{}/goog/cdp/execute", session.unwrap_or_default()))
    }
    fn method_and_body(&self, _: &reqwest::Url) -> (reqwest::Method, Option<String>) {
        (reqwest::Method::POST, Some(json!({"cmd": self.0, "params": self.1}).to_string()))
    }
}

/// The CSS `display` of each element `css` selects.
async fn displays(c: &Client, css: &str) -> Vec<String> {
    let js = "return [...document.querySelectorAll(arguments[0])].map(e => getComputedStyle(e).display)";
    let v = c.execute(js, vec![json!(css)]).await.unwrap();
    v.as_array().unwrap().iter().map(|d| d.as_str().unwrap().to_owned()).collect()
}

/// The top of the first element `css` selects, in page pixels.
async fn top(c: &Client, css: &str) -> f64 {
    let js = "return document.querySelector(arguments[0]).getBoundingClientRect().top + window.scrollY";
    c.execute(js, vec![json!(css)]).await.unwrap().as_f64().unwrap_or_else(|| panic!("{css}"))
}

/// What staff meet after the workflow's steps (issue 19): a confirmation of each action,
/// people by name, a reopened case's form starting from its earlier outcome, the actions
/// first on a phone, the worker's printed copy without internal notes, and the not-found
/// page still in the staff's session.
async fn staff_after_each_step(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let driver = Driver::start().await;
    let tag = format!("{backend:?}").to_lowercase();
    let submitted = app
        .anonymous()
        .ok(
            "/api/v1/public/cases",
            json!({"union":"jd.s1.e1","kind":"claim","description":"三个月工资没有发。","worker_name":"张师傅","contact":"13800000002"}),
            reqwest::StatusCode::CREATED,
        )
        .await;
    let number = submitted["number"].as_str().unwrap().to_owned();
    let case = format!("/api/v1/cases/{number}");
    let chair = app.login("e1chair").await;
    chair.ok(&format!("{case}/accept"), json!({"urgency":"normal"}), reqwest::StatusCode::OK).await;
    chair.ok(&format!("{case}/assign"), json!({"handler":"e1handler"}), reqwest::StatusCode::OK).await;
    let handler = app.login("e1handler").await;
    handler
        .ok(&format!("{case}/notes"), json!({"text":"老板说下周再付","internal":true}), reqwest::StatusCode::OK)
        .await;
    handler
        .ok(
            &format!("{case}/resolve"),
            json!({"resolution":"企业补发工资一千元。","amount_recovered":"1000"}),
            reqwest::StatusCode::OK,
        )
        .await;

    // The chair reopens it in the browser: told it was done, the handler by name, and the
    // resolve form starts from the January outcome (1,000 yuan), shown above the record.
    let desk = driver.browser(DESKTOP).await;
    login(&desk, &app, "e1chair").await;
    desk.goto(&app.url(&format!("/cases/{number}"))).await.unwrap();
    assert!(desk.find(Locator::Css("#done")).await.is_err(), "no confirmation before an action");
    open_action(&desk, "#do-reopen").await;
    fill(&desk, "#reason", "企业只付了一半").await;
    submit(&desk, "#do-reopen").await;
    assert_eq!(text(&desk, "#done").await, "已重新办理。");
    assert_eq!(text(&desk, "#handler").await, "e1handler 同志");
    let record = text(&desk, "#record").await;
    assert!(record.contains("e1chair 同志") && record.contains("e1handler 同志"), "{record}");
    let bare = record.replace("e1chair 同志", "").replace("e1handler 同志", "");
    assert!(!bare.contains("e1chair") && !bare.contains("e1handler"), "usernames in the record book: {record}");
    assert_eq!(text(&desk, "#earlier-amount").await, "¥1,000.00");
    let prefilled = |css: &'static str| {
        let desk = &desk;
        async move { desk.find(Locator::Css(css)).await.unwrap().prop("value").await.unwrap().unwrap() }
    };
    assert_eq!(prefilled("#amount_recovered").await, "1000.00");
    assert_eq!(prefilled("#resolution-text").await, "企业补发工资一千元。");
    shot(&desk, &format!("{tag}-desktop-reopened"), DESKTOP.0).await;

    // Printed, the page is the worker's copy: the internal note is left out; the staff's
    // full copy has it, and says it is internal.
    as_printed(&desk, true).await;
    assert_eq!(displays(&desk, "#record li.internal").await, ["none"]);
    assert!(text(&desk, ".print-head").await.contains("职工存档"));
    desk.goto(&app.url(&format!("/cases/{number}?copy=internal"))).await.unwrap();
    assert_eq!(displays(&desk, "#record li.internal").await, ["block"]);
    assert!(text(&desk, ".print-head").await.contains("内部版"));
    assert!(text(&desk, "#internal-copy").await.contains("不得交予职工"));
    as_printed(&desk, false).await;

    // A case that does not exist, and a page that does not: still logged in, and home is
    // the inbox.
    for path in [String::from("/cases/JD-1999-000001"), String::from("/no/such/page")] {
        desk.goto(&app.url(&path)).await.unwrap();
        assert_eq!(text(&desk, "#account-link").await, "e1chair 同志", "{path}");
        let home = desk.find(Locator::Css("#back-home")).await.unwrap().attr("href").await.unwrap();
        assert_eq!(home.as_deref(), Some("/inbox"), "{path}");
    }

    // The handler resolves again on a phone: the actions come before the record book.
    let phone = driver.browser(PHONE).await;
    login(&phone, &app, "e1handler").await;
    phone.goto(&app.url(&format!("/cases/{number}"))).await.unwrap();
    assert!(top(&phone, "details.action").await < top(&phone, "#record").await, "the actions come first");
    assert!(top(&phone, "#case-status").await < top(&phone, "details.action").await, "after the facts");
    shot(&phone, &format!("{tag}-phone-case-actions"), PHONE.0).await;
    open_action(&phone, "#do-resolve").await;
    fill(&phone, "#amount_recovered", "1500").await;
    submit(&phone, "#do-resolve").await;
    assert_eq!(text(&phone, "#done").await, "已解决并办结。");
    assert_eq!(text(&phone, "#amount").await, "¥1,500.00");
    assert!(phone.find(Locator::Css("#earlier")).await.is_err(), "closed again: its outcome is the answer");
    shot(&phone, &format!("{tag}-phone-case-resolved"), PHONE.0).await;

    // The inbox names the handler and counts people in 人.
    desk.goto(&app.url("/inbox?tab=all")).await.unwrap();
    let inbox = desk.source().await.unwrap();
    assert!(inbox.contains("e1handler 同志"), "the handler by name in the inbox");
    for c in [phone, desk] {
        c.close().await.unwrap();
    }
}
both!(staff_after_each_step);

/// Every figure card whose content reaches past its own edges (clipped, or running into
/// the next card): "label: value" for each, empty when all fit.
async fn cards_overflowing(c: &Client) -> Vec<String> {
    let found = c
        .execute(
            "const out = [];
             for (const card of document.querySelectorAll('.cards .card')) {
               const box = card.getBoundingClientRect();
               for (const part of card.querySelectorAll('span')) {
                 const r = part.getBoundingClientRect();
                 if (r.right > box.right + 0.5 || r.left < box.left - 0.5 || part.scrollWidth > part.clientWidth + 1)
                   out.push(card.querySelector('.label').textContent + ': ' + part.textContent);
               }
               if (card.scrollWidth > card.clientWidth + 1) out.push('card ' + card.textContent);
               // A card stretched past its column by a long number lies over its neighbour.
               for (const other of document.querySelectorAll('.cards .card')) {
                 const o = other.getBoundingClientRect();
                 if (other !== card && box.left < o.right - 0.5 && o.left < box.right - 0.5
                     && box.top < o.bottom - 0.5 && o.top < box.bottom - 0.5)
                   out.push('overlaps: ' + card.querySelector('.label').textContent);
               }
             }
             return out;",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(found).unwrap()
}

/// The headline money fits its card at hundreds of millions of yuan, and a sum of many
/// capped cases far beyond (a `MoneySum`): on a 360-px phone, on a desktop and in print
/// (scaled, or wrapped at a comma; never clipped nor running into the next card). Before,
/// "¥306,939,500.00" ran past its card on all three. The page does not depend on the
/// database: SQLite only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn money_fits_its_card() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let case = |year: u32, n: u32, amount: &str| {
        json!({"type":"case","number":format!("JD-{year}-{n:06}"),"union":"jd.s1.e1","kind":"dispute","channel":"reception",
               "opened_at":format!("{year}-03-03T09:00:00+08:00"),"status":"resolved","closed_at":format!("{year}-03-04T10:00:00+08:00"),
               "people":3,"amount_recovered":amount,"agreement":true})
    };
    // 2025: ¥306,939,500.00; 2024: forty cases at the cap, ¥4,000,000,000.00.
    let mut lines = vec![case(2025, 1, "100000000.00"), case(2025, 2, "100000000.00"), case(2025, 3, "100000000.00")];
    lines.push(case(2025, 4, "6939500.00"));
    lines.extend((1..=40).map(|n| case(2024, n, "100000000.00")));
    let jsonl: String = lines.iter().map(|l| format!("{l}\n")).collect();
    crate::harness::import_text(app.store.as_ref(), &jsonl).await.unwrap();
    let driver = Driver::start().await;
    for (year, want) in [("2025", "¥306,939,500.00"), ("2024", "¥4,000,000,000.00")] {
        let dash = app.url(&format!("/dashboard?union=jd&preset=custom&from={year}-01-01&to={year}-12-31"));
        for (name, size) in [("phone", PHONE), ("desktop", DESKTOP)] {
            let c = driver.browser(size).await;
            login(&c, &app, "admin").await;
            c.goto(&dash).await.unwrap();
            let money = text(&c, "a.figure[href*='figure=amount_recovered'] .value").await;
            assert_eq!(money.replace('\n', ""), want);
            shot(&c, &format!("money-{year}-{name}-dashboard"), size.0).await;
            assert_eq!(cards_overflowing(&c).await, Vec::<String>::new(), "{year} {name}");
            if name == "desktop" {
                // Printed: the print stylesheet on an A4 page's width (182 mm at 96 dpi).
                as_printed(&c, true).await;
                c.set_window_size(688, 900).await.unwrap();
                let printing = c.execute("return matchMedia('print').matches", vec![]).await.unwrap();
                assert_eq!(printing, json!(true));
                shot(&c, &format!("money-{year}-print-dashboard"), 688).await;
                assert_eq!(cards_overflowing(&c).await, Vec::<String>::new(), "{year} print");
            }
            c.close().await.unwrap();
        }
    }
}

/// The studio's sign in print (A5) with its QR code, which must load as an image (a
/// malformed SVG would not), and a union without a studio on a phone: the studios below.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn studio_sign_and_the_studios_below() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let driver = Driver::start().await;
    let phone = driver.browser(PHONE).await;
    phone.goto(&app.url("/s/jd.s1")).await.unwrap();
    shot(&phone, "studios-below-phone", PHONE.0).await;
    submit(&phone, "#studios-below a[href='/s/jd.s1.e1']").await;
    assert!(phone.find(Locator::Css("form textarea#description")).await.is_ok(), "the studio's form");
    phone.close().await.unwrap();
    let c = driver.browser(DESKTOP).await;
    c.goto(&app.url("/s/jd.s1.e1/sign")).await.unwrap();
    as_printed(&c, true).await;
    // A5 is 148 mm wide: 128 mm inside its margins, at 96 dpi.
    c.set_window_size(484, 900).await.unwrap();
    let loaded = c
        .execute("const i = document.querySelector('#sign img'); return i.complete && i.naturalWidth > 0", vec![])
        .await
        .unwrap();
    assert_eq!(loaded, json!(true), "the QR code loads as an image");
    assert_eq!(text(&c, "#sign-url").await, app.url("/s/jd.s1.e1"));
    shot(&c, "studio-sign-print", 484).await;
    c.close().await.unwrap();
}
