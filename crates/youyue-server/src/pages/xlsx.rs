//! Spreadsheet downloads (.xlsx): the dashboard's tables and the list of cases behind any
//! number, with Chinese headers, a title row naming the union and the period, real numbers
//! (money in yuan to the fen) and real dates in China time.

use super::dashboard::{union_and_period, DashboardParams};
use super::staff::{apply_tab, inbox_query, InboxParams};
use super::{Ctx, PageResult};
use crate::error::ApiError;
use crate::service;
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet, XlsxError};
use youyue_domain::{Channel, Kind, Status, Timestamp};

/// The most rows one download holds; a larger list is refused with a message (never cut).
pub const MAX_ROWS: i64 = 100_000;

fn xerr(e: XlsxError) -> super::PageError {
    ApiError::internal_in("spreadsheet", e).into()
}

fn download(bytes: Vec<u8>, name: &str) -> axum::response::Response {
    let encoded: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
    (
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"youyue.xlsx\"; filename*=UTF-8''{encoded}")),
        ],
        bytes,
    )
        .into_response()
}

fn excel_time(t: Timestamp) -> Result<ExcelDateTime, XlsxError> {
    let l = t.to_cst();
    use chrono::{Datelike, Timelike};
    ExcelDateTime::from_ymd(l.year() as u16, l.month() as u8, l.day() as u8)?.and_hms(
        l.hour() as u16,
        l.minute() as u8,
        l.second(),
    )
}

fn excel_date(d: chrono::NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    use chrono::Datelike;
    ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
}

/// Writes a title row, a header row and sets the columns' widths.
fn heading(ws: &mut Worksheet, title: &str, headers: &[(&str, f64)]) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    ws.write_string_with_format(0, 0, title, &Format::new().set_bold().set_font_size(14))?;
    for (i, (h, width)) in headers.iter().enumerate() {
        ws.write_string_with_format(2, i as u16, *h, &bold)?;
        ws.set_column_width(i as u16, *width)?;
    }
    Ok(())
}

pub async fn dashboard_xlsx(ctx: Ctx, State(state): State<AppState>, Query(p): Query<DashboardParams>) -> PageResult {
    let (union, period, _) = union_and_period(&ctx, &state, &p).await?;
    let d = service::dashboard(&state, &union, period).await?;
    let s = &d.stats;
    let a = state.store.agreement_figures(&union, period, youyue_domain::Timestamp::now().cst_date()).await?;
    let x = xerr;
    let title = format!("{}（{}）{} 至 {}", union.record.name, union.record.code, period.from(), period.to());
    let money = Format::new().set_num_format("#,##0.00");
    let mut wb = Workbook::new();
    {
        let ws = wb.add_worksheet().set_name("指标").map_err(&x)?;
        heading(ws, &title, &[("指标", 40.0), ("数值", 18.0)]).map_err(&x)?;
        // Every figure the dashboard shows, named as it is there (登记, 受理, 办结 = resolved or
        // explained), rates beside their numerator and denominator; "—" where there is no data.
        let tl = &d.timeliness;
        let pct = Format::new().set_num_format("0.0%");
        let hours = Format::new().set_num_format("0.0");
        let two = Format::new().set_num_format("0.00");
        enum Cell<'a> {
            Count(u64),
            Money(f64),
            Rate(u64, u64),
            Hours(Option<f64>),
            Mean(Option<f64>),
            Label(&'a str),
        }
        let rows: Vec<(&str, Cell)> = vec![
            ("工作室（个）", Cell::Count(s.studios)),
            ("调解劳动纠纷（件）", Cell::Count(s.disputes_mediated)),
            ("涉及职工（人）", Cell::Count(s.people_involved)),
            ("追讨工资补偿金（元）", Cell::Money(s.amount_recovered.yuan_f64())),
            ("解决职工诉求（件）", Cell::Count(s.claims_resolved)),
            ("建言献策（件）", Cell::Count(s.suggestions)),
            ("采纳（件）", Cell::Count(s.suggestions_adopted)),
            ("采纳率", Cell::Rate(s.suggestions_adopted, s.suggestions)),
            ("登记约事（件）", Cell::Count(s.cases_opened)),
            ("办结（件，解决或解释说明）", Cell::Count(s.cases_closed())),
            ("其中解决（件）", Cell::Count(s.cases_resolved)),
            ("其中解释说明（件）", Cell::Count(s.cases_explained)),
            ("其中转仲裁（件，调解期满未达成协议的劳动纠纷）", Cell::Count(s.disputes_referred_to_arbitration)),
            ("约谈已进行（次）", Cell::Count(s.appointments_held)),
            ("约谈未到场（次）", Cell::Count(s.appointments_no_show)),
            ("登记到首次约谈（中位天数）", Cell::Mean(s.median_days_to_first_appointment.map(|h| h.days()))),
            ("受理（件，按时受理率的分母）", Cell::Count(tl.accepted)),
            ("按时受理（件）", Cell::Count(tl.accepted_on_time)),
            ("按时受理率", Cell::Rate(tl.accepted_on_time, tl.accepted)),
            ("受理用时平均（小时）", Cell::Hours(tl.hours_to_accept_mean)),
            ("受理用时 P90（小时）", Cell::Hours(tl.hours_to_accept_p90)),
            ("有期限的办结（件，按时办结率的分母）", Cell::Count(tl.closed_with_deadline)),
            ("按时办结（件）", Cell::Count(tl.closed_on_time)),
            ("按时办结率", Cell::Rate(tl.closed_on_time, tl.closed_with_deadline)),
            ("办结用时平均（小时）", Cell::Hours(tl.hours_to_close_mean)),
            ("办结用时 P90（小时）", Cell::Hours(tl.hours_to_close_p90)),
            ("满意率（约事评价）：评价（票）", Cell::Count(d.case_ratings.votes)),
            ("满意率（约事评价）：满意（票）", Cell::Count(d.case_ratings.satisfied)),
            ("满意率（约事评价）", Cell::Rate(d.case_ratings.satisfied, d.case_ratings.votes)),
            ("满意率（约事评价）：平均分", Cell::Mean(d.case_ratings.mean)),
            ("满意率（一月一评）：投票（票）", Cell::Count(d.monthly_votes.votes)),
            ("满意率（一月一评）：满意（票）", Cell::Count(d.monthly_votes.satisfied)),
            ("满意率（一月一评）", Cell::Rate(d.monthly_votes.satisfied, d.monthly_votes.votes)),
            ("满意率（一月一评）：平均分", Cell::Mean(d.monthly_votes.mean)),
            ("满意率（年度测评）：投票（票）", Cell::Count(d.yearly_votes.votes)),
            ("满意率（年度测评）：满意（票）", Cell::Count(d.yearly_votes.satisfied)),
            ("满意率（年度测评）", Cell::Rate(d.yearly_votes.satisfied, d.yearly_votes.votes)),
            ("满意率（年度测评）：平均分", Cell::Mean(d.yearly_votes.mean)),
            ("调解协议：签订（份）", Cell::Count(a.agreements_signed)),
            ("调解协议：到期款项（项）", Cell::Count(a.agreement_terms_due)),
            ("调解协议：按期履行（项）", Cell::Count(a.agreement_terms_on_time)),
            ("履行率", Cell::Rate(a.agreement_terms_on_time, a.agreement_terms_due)),
            ("调解协议金额（元）", Cell::Money(a.money_agreed.yuan_f64())),
            ("调解协议已履行金额（元）", Cell::Money(a.money_paid.yuan_f64())),
            ("说明", Cell::Label("满意：评 4–5 分。没有数据的比率和用时记为“—”。")),
        ];
        let mut r = 3;
        for (label, cell) in rows {
            ws.write_string(r, 0, label).map_err(&x)?;
            match cell {
                Cell::Count(n) => ws.write_number(r, 1, n as f64).map(|_| ()),
                Cell::Money(y) => ws.write_number_with_format(r, 1, y, &money).map(|_| ()),
                Cell::Rate(_, 0) | Cell::Hours(None) | Cell::Mean(None) => ws.write_string(r, 1, "—").map(|_| ()),
                Cell::Rate(part, whole) => {
                    ws.write_number_with_format(r, 1, part as f64 / whole as f64, &pct).map(|_| ())
                }
                Cell::Hours(Some(h)) => ws.write_number_with_format(r, 1, h, &hours).map(|_| ()),
                Cell::Mean(Some(m)) => ws.write_number_with_format(r, 1, m, &two).map(|_| ()),
                Cell::Label(t) => ws.write_string(r, 1, t).map(|_| ()),
            }
            .map_err(&x)?;
            r += 1;
        }
        r += 1;
        let bold = Format::new().set_bold();
        for (head, labels, map) in [
            (
                "登记，按类别",
                Kind::ALL.iter().map(|k| (k.label_zh(), k.as_str())).collect::<Vec<_>>(),
                &s.opened_by_kind,
            ),
            ("登记，按来源", Channel::ALL.iter().map(|c| (c.label_zh(), c.as_str())).collect(), &s.opened_by_channel),
            (
                "登记，按目前状态",
                Status::COUNTED.iter().map(|st| (st.label_zh(), st.as_str())).collect(),
                &s.opened_by_status,
            ),
        ] {
            ws.write_string_with_format(r, 0, head, &bold).map_err(&x)?;
            r += 1;
            for (label, key) in labels {
                ws.write_string(r, 0, label).map_err(&x)?;
                ws.write_number(r, 1, map.get(key).copied().unwrap_or(0) as f64).map_err(&x)?;
                r += 1;
            }
            r += 1;
        }
        ws.write_string_with_format(r, 0, "约谈，按专长（已进行 / 未到场）", &bold).map_err(&x)?;
        r += 1;
        for (k, v) in &s.appointments_by_specialty {
            let label = match k.as_str() {
                "mediator" => "调解员",
                "lawyer" => "律师",
                "counsellor" => "心理咨询师",
                "teacher" => "思政老师",
                "arbitrator" => "仲裁员",
                "advisor" => "劳动关系协调员",
                "liaison" => "联络员",
                other => other,
            };
            ws.write_string(r, 0, label).map_err(&x)?;
            ws.write_number(r, 1, v.held as f64).map_err(&x)?;
            ws.write_number(r, 2, v.no_show as f64).map_err(&x)?;
            r += 1;
        }
    }
    {
        let ws = wb.add_worksheet().set_name("按月").map_err(&x)?;
        heading(ws, &title, &[("月份", 12.0), ("登记", 10.0), ("解决", 10.0)]).map_err(&x)?;
        for (i, m) in d.months.iter().enumerate() {
            let r = 3 + i as u32;
            ws.write_string(r, 0, &m.month).map_err(&x)?;
            ws.write_number(r, 1, m.opened as f64).map_err(&x)?;
            ws.write_number(r, 2, m.resolved as f64).map_err(&x)?;
        }
    }
    {
        let ws = wb.add_worksheet().set_name("下级工会").map_err(&x)?;
        let headers = [
            ("工会", 28.0),
            ("代码", 14.0),
            ("登记", 8.0),
            ("调解纠纷", 10.0),
            ("涉及职工", 10.0),
            ("追回金额（元）", 16.0),
            ("解决诉求", 10.0),
            ("建议", 8.0),
            ("采纳", 8.0),
            ("工作室", 8.0),
        ];
        heading(ws, &title, &headers).map_err(&x)?;
        for (i, c) in d.children.iter().enumerate() {
            let r = 3 + i as u32;
            let cs = &c.stats;
            ws.write_string(r, 0, &c.name).map_err(&x)?;
            ws.write_string(r, 1, &c.code).map_err(&x)?;
            for (col, n) in [(2u16, cs.cases_opened), (3, cs.disputes_mediated), (4, cs.people_involved)] {
                ws.write_number(r, col, n as f64).map_err(&x)?;
            }
            ws.write_number_with_format(r, 5, cs.amount_recovered.yuan_f64(), &money).map_err(&x)?;
            for (col, n) in
                [(6u16, cs.claims_resolved), (7, cs.suggestions), (8, cs.suggestions_adopted), (9, cs.studios)]
            {
                ws.write_number(r, col, n as f64).map_err(&x)?;
            }
        }
    }
    let bytes = wb.save_to_buffer().map_err(&x)?;
    Ok(download(bytes, &format!("{}-{}-{}.xlsx", union.record.name, period.from(), period.to())))
}

pub async fn cases_xlsx(ctx: Ctx, State(state): State<AppState>, Query(p): Query<InboxParams>) -> PageResult {
    let (user, mut q, drill, _) = inbox_query(&ctx, &state, &p).await?;
    apply_tab(&mut q, p.tab(), drill.is_some());
    q.limit = MAX_ROWS;
    let page = state.store.list_cases(&q).await?;
    if page.total > MAX_ROWS || !page.total_exact {
        let more = if page.total_exact { "" } else { "more than " };
        return Err(ApiError::invalid(
            "general",
            format!("{more}{} cases match; a download holds at most {MAX_ROWS}: narrow the filters", page.total),
        )
        .into());
    }
    crate::access::log_list_reads(state.store.as_ref(), &user, &page.cases).await?;
    let x = xerr;
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("约事").map_err(&x)?;
    let title = format!("{} · {}", user.union_code, drill.unwrap_or_else(|| "约事清单".to_owned()));
    let headers = [
        ("约事编号", 18.0),
        ("工会", 14.0),
        ("类别", 8.0),
        ("来源", 8.0),
        ("状态", 8.0),
        ("标题", 30.0),
        ("人数", 6.0),
        ("提出时间", 17.0),
        ("受理时间", 17.0),
        ("期限", 12.0),
        ("办结时间", 17.0),
        ("承办人", 12.0),
        ("追回金额（元）", 14.0),
        ("调解协议", 8.0),
        ("采纳", 6.0),
        ("评价", 6.0),
    ];
    heading(ws, &title, &headers).map_err(&x)?;
    // Under the title, as on the page: what the figure counts that this list leaves out.
    let hidden = crate::access::hidden_from_figure(state.store.as_ref(), &q).await?;
    if hidden > 0 {
        ws.write_string(1, 0, format!("另有 {hidden} 件保密案件（心理需求）计入此数，您无权查看，未列出。"))
            .map_err(&x)?;
    }
    let when = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let day = Format::new().set_num_format("yyyy-mm-dd");
    let money = Format::new().set_num_format("#,##0.00");
    let yes_no = |b: Option<bool>| match b {
        Some(true) => "是",
        Some(false) => "否",
        None => "",
    };
    for (i, c) in page.cases.iter().enumerate() {
        let r = 3 + i as u32;
        let rec = &c.record;
        ws.write_string(r, 0, rec.number.to_string()).map_err(&x)?;
        ws.write_string(r, 1, rec.union.as_str()).map_err(&x)?;
        ws.write_string(r, 2, rec.kind.label_zh()).map_err(&x)?;
        ws.write_string(r, 3, rec.channel.label_zh()).map_err(&x)?;
        ws.write_string(r, 4, rec.status.label_zh()).map_err(&x)?;
        ws.write_string(r, 5, &rec.title).map_err(&x)?;
        ws.write_number(r, 6, rec.people as f64).map_err(&x)?;
        ws.write_datetime_with_format(r, 7, excel_time(rec.opened_at).map_err(&x)?, &when).map_err(&x)?;
        if let Some(t) = rec.accepted_at {
            ws.write_datetime_with_format(r, 8, excel_time(t).map_err(&x)?, &when).map_err(&x)?;
        }
        if let Some(d) = rec.due_on {
            ws.write_datetime_with_format(r, 9, excel_date(d).map_err(&x)?, &day).map_err(&x)?;
        }
        if let Some(t) = rec.closed_at {
            ws.write_datetime_with_format(r, 10, excel_time(t).map_err(&x)?, &when).map_err(&x)?;
        }
        ws.write_string(r, 11, rec.handler.as_deref().unwrap_or_default()).map_err(&x)?;
        if let Some(m) = rec.amount_recovered {
            ws.write_number_with_format(r, 12, m.fen() as f64 / 100.0, &money).map_err(&x)?;
        }
        ws.write_string(r, 13, yes_no(rec.agreement)).map_err(&x)?;
        ws.write_string(r, 14, yes_no(rec.adopted)).map_err(&x)?;
        if let Some(v) = rec.rating {
            ws.write_number(r, 15, v as f64).map_err(&x)?;
        }
    }
    let bytes = wb.save_to_buffer().map_err(&x)?;
    Ok(download(bytes, "约事清单.xlsx"))
}

pub async fn assessment_xlsx(
    ctx: Ctx,
    State(state): State<AppState>,
    Query(p): Query<std::collections::HashMap<String, String>>,
) -> PageResult {
    let user = ctx.require_staff()?.clone();
    let code = p.get("union").cloned().unwrap_or_else(|| user.union_code.to_string());
    let union = crate::access::union_within(state.store.as_ref(), &user, &code).await?;
    let this_year = chrono::Datelike::year(&Timestamp::now().cst_date());
    let year =
        p.get("year").and_then(|y| y.parse::<i32>().ok()).filter(|y| (1000..=9999).contains(y)).unwrap_or(this_year);
    let (weights, rows) = service::assessment(&state, &union, year).await?;
    let x = xerr;
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("年度考核").map_err(&x)?;
    let title = format!("{}（{}）{year} 年度考核", union.record.name, union.record.code);
    let headers = [
        ("工会", 28.0),
        ("代码", 14.0),
        ("得分", 8.0),
        ("按时办结", 10.0),
        ("满意率", 10.0),
        ("年度测评", 10.0),
        ("八项配置", 10.0),
        ("件件有回音", 12.0),
        ("解决率", 10.0),
    ];
    heading(ws, &title, &headers).map_err(&x)?;
    ws.write_string(
        1,
        0,
        format!(
            "权重：按时办结 {} · 满意率 {} · 年度测评 {} · 八项配置 {} · 件件有回音 {} · 解决率 {}",
            weights.on_time,
            weights.satisfaction,
            weights.appraisal,
            weights.checklist,
            weights.answered,
            weights.resolution
        ),
    )
    .map_err(&x)?;
    let pct = Format::new().set_num_format("0.0%");
    let score = Format::new().set_num_format("0.0");
    for (i, r) in rows.iter().enumerate() {
        let row = 3 + i as u32;
        ws.write_string(row, 0, &r.name).map_err(&x)?;
        ws.write_string(row, 1, &r.code).map_err(&x)?;
        if let Some(s) = r.score {
            ws.write_number_with_format(row, 2, s, &score).map_err(&x)?;
        }
        let parts = [
            r.parts.on_time,
            r.parts.satisfaction,
            r.parts.appraisal,
            r.parts.checklist,
            r.parts.answered,
            r.parts.resolution,
        ];
        for (j, p) in parts.iter().enumerate() {
            if let Some(v) = p {
                ws.write_number_with_format(row, 3 + j as u16, *v, &pct).map_err(&x)?;
            }
        }
    }
    let bytes = wb.save_to_buffer().map_err(&x)?;
    Ok(download(bytes, &format!("{}-{year}-年度考核.xlsx", union.record.name)))
}
