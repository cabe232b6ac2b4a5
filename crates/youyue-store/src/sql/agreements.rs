//! Mediation agreements (migration 0017): one per dispute, its text as JSON and its amount
//! terms as rows (what the figures count), written with the case's record-book entry in
//! one transaction, only over the version it was read at.

use super::record_book::append_entry;
use super::{Conn, Db, DIALECT};
use crate::{Actor, AgreementEntry, SqlStore, StoreError, StoredAgreement, StoredCase, Union};
use chrono::NaiveDate;
use youyue_domain::agreement::{Agreement, AgreementFigures, AgreementRecord, Payment};
use youyue_domain::{CaseNumber, Money, MoneySum, Period, Timestamp};

const SUM_BIGINT: &str = DIALECT.sum_bigint;

type AgreementRow = (i64, String, Option<String>, Option<i64>, i64, i64);
/// An agreement row with its case's number first.
type NumberedRow = (String, i64, String, Option<String>, Option<i64>, i64, i64);
type TermRow = (i64, i64, i64, String, String, Option<String>, Option<i64>);

fn bad(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("agreement: {what}: {e}"))
}

fn date(s: &str) -> Result<NaiveDate, StoreError> {
    youyue_domain::time::parse_date(s).map_err(|e| bad("a day", e))
}

fn money(fen: i64) -> Result<Money, StoreError> {
    Money::from_fen(fen).ok_or_else(|| bad("an amount", fen))
}

/// An agreement from its row and its terms' rows (in `idx` order).
fn assemble(row: AgreementRow, terms: &[TermRow]) -> Result<StoredAgreement, StoreError> {
    let (case_id, body, signed_on, signed_at, version, updated_at) = row;
    let mut agreement: Agreement = serde_json::from_str(&body).map_err(|e| bad("its text", e))?;
    agreement.signed_on = signed_on.as_deref().map(date).transpose()?;
    agreement.terms.clear();
    for (_, _, amount, payee, due_on, paid_on, paid) in terms.iter().filter(|t| t.0 == case_id) {
        let payment = match (paid_on, paid) {
            (Some(on), Some(p)) => Some(Payment { paid_on: date(on)?, amount: money(*p)? }),
            _ => None,
        };
        agreement.terms.push(youyue_domain::agreement::Term {
            amount: money(*amount)?,
            payee: payee.clone(),
            due_on: date(due_on)?,
            payment,
        });
    }
    Ok(StoredAgreement {
        case_id,
        version,
        signed_at: signed_at.map(Timestamp::from_micros),
        updated_at: Timestamp::from_micros(updated_at),
        agreement,
    })
}

const TERM_SELECT: &str =
    "SELECT t.case_id, t.idx, t.amount, t.payee, t.due_on, t.paid_on, t.paid FROM agreement_terms t";

pub(super) async fn agreement(store: &SqlStore<Db>, case_id: i64) -> Result<Option<StoredAgreement>, StoreError> {
    let mut conn = store.read.acquire().await?;
    stored_conn(&mut conn, case_id).await
}

/// A case's agreement read on `conn` (an import's transaction, or a read connection).
pub(super) async fn stored_conn(conn: &mut Conn, case_id: i64) -> Result<Option<StoredAgreement>, StoreError> {
    let row: Option<AgreementRow> = sqlx::query_as(
        "SELECT case_id, body, signed_on, signed_at, version, updated_at FROM agreements WHERE case_id = $1",
    )
    .bind(case_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let terms: Vec<TermRow> = sqlx::query_as(&format!("{TERM_SELECT} WHERE t.case_id = $1 ORDER BY t.idx"))
        .bind(case_id)
        .fetch_all(&mut *conn)
        .await?;
    assemble(row, &terms).map(Some)
}

/// Stores an imported agreement as given, replacing the case's own (no entry).
pub(super) async fn replace_conn(
    conn: &mut Conn,
    case_id: i64,
    agreement: &Agreement,
    signed_at: Option<Timestamp>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let body = body_of(agreement)?;
    sqlx::query(
        "INSERT INTO agreements (case_id, body, signed_on, signed_at, version, updated_at) VALUES ($1, $2, $3, $4, 1, $5) \
         ON CONFLICT (case_id) DO UPDATE SET body = excluded.body, signed_on = excluded.signed_on, \
         signed_at = excluded.signed_at, version = agreements.version + 1, updated_at = excluded.updated_at",
    )
    .bind(case_id)
    .bind(&body)
    .bind(agreement.signed_on.map(|d| d.to_string()))
    .bind(signed_at.map(Timestamp::micros))
    .bind(now.micros())
    .execute(&mut *conn)
    .await?;
    write_terms(conn, case_id, agreement).await
}

/// Anonymising a case takes the workers' names off its agreement too (`Agreement::anonymised`),
/// in the same transaction; without an agreement nothing is written.
pub(super) async fn anonymise_conn(conn: &mut Conn, case_id: i64, now: Timestamp) -> Result<(), StoreError> {
    let Some(stored) = stored_conn(conn, case_id).await? else { return Ok(()) };
    let anonymised = stored.agreement.anonymised();
    if anonymised == stored.agreement {
        return Ok(());
    }
    replace_conn(conn, case_id, &anonymised, stored.signed_at, now).await
}

/// The text kept as JSON: without the terms (rows of their own) and the signing day (a column).
fn body_of(agreement: &Agreement) -> Result<String, StoreError> {
    serde_json::to_string(&Agreement { terms: Vec::new(), signed_on: None, ..agreement.clone() })
        .map_err(|e| StoreError::Corrupt(format!("agreement text: {e}")))
}

async fn write_terms(conn: &mut Conn, case_id: i64, agreement: &Agreement) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM agreement_terms WHERE case_id = $1").bind(case_id).execute(&mut *conn).await?;
    for (i, t) in agreement.terms.iter().enumerate() {
        sqlx::query(
            "INSERT INTO agreement_terms (case_id, idx, amount, payee, due_on, paid_on, paid) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(case_id)
        .bind(i as i64)
        .bind(t.amount.fen())
        .bind(&t.payee)
        .bind(t.due_on.to_string())
        .bind(t.payment.map(|p| p.paid_on.to_string()))
        .bind(t.payment.map(|p| p.amount.fen()))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Every agreement of the cases in a union's subtree (`path` prefix), with its case's
/// number, in case order: the export and the figures' reference.
pub(super) async fn agreements_within(
    store: &SqlStore<Db>,
    path: &str,
) -> Result<Vec<(CaseNumber, StoredAgreement)>, StoreError> {
    let like = format!("{path}%");
    let rows: Vec<NumberedRow> = sqlx::query_as(
        "SELECT c.number, a.case_id, a.body, a.signed_on, a.signed_at, a.version, a.updated_at FROM agreements a \
         JOIN cases c ON c.id = a.case_id JOIN unions u ON u.id = c.union_id \
         WHERE u.path LIKE $1 ORDER BY a.case_id",
    )
    .bind(&like)
    .fetch_all(&store.read)
    .await?;
    let terms: Vec<TermRow> = sqlx::query_as(&format!(
        "{TERM_SELECT} JOIN cases c ON c.id = t.case_id JOIN unions u ON u.id = c.union_id \
         WHERE u.path LIKE $1 ORDER BY t.case_id, t.idx"
    ))
    .bind(&like)
    .fetch_all(&store.read)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for (number, case_id, body, signed_on, signed_at, version, updated_at) in rows {
        let number: CaseNumber = number.parse().map_err(|e| bad("a case number", e))?;
        let mine = of_case(&terms, case_id);
        out.push((number, assemble((case_id, body, signed_on, signed_at, version, updated_at), mine)?));
    }
    Ok(out)
}

/// Writes `agreement` for `case`: inserted when `version` is None (409 if one exists), else
/// only over that version (409 if it changed), with its terms and the record-book entry.
pub(super) async fn save_agreement_conn(
    conn: &mut Conn,
    case: &StoredCase,
    agreement: &Agreement,
    version: Option<i64>,
    entry: &AgreementEntry,
    label: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    let body = body_of(agreement)?;
    let signed_on = agreement.signed_on.map(|d| d.to_string());
    let conflict = || {
        StoreError::Conflict(format!(
            "the agreement of case {} was changed by someone else meanwhile; reload it and try again",
            case.record.number
        ))
    };
    let done = match version {
        None => {
            sqlx::query(
                "INSERT INTO agreements (case_id, body, signed_on, signed_at, version, updated_at) \
                 VALUES ($1, $2, $3, $4, 1, $5) ON CONFLICT (case_id) DO NOTHING",
            )
            .bind(case.id)
            .bind(&body)
            .bind(&signed_on)
            .bind(signed_on.as_ref().map(|_| now.micros()))
            .bind(now.micros())
            .execute(&mut *conn)
            .await?
        }
        Some(v) => {
            sqlx::query(
                "UPDATE agreements SET body = $2, signed_on = $3, \
                 signed_at = CASE WHEN $3 IS NULL THEN NULL ELSE COALESCE(signed_at, $4) END, \
                 version = version + 1, updated_at = $4 WHERE case_id = $1 AND version = $5",
            )
            .bind(case.id)
            .bind(&body)
            .bind(&signed_on)
            .bind(now.micros())
            .bind(v)
            .execute(&mut *conn)
            .await?
        }
    };
    if done.rows_affected() == 0 {
        return Err(conflict());
    }
    write_terms(conn, case.id, agreement).await?;
    let number = case.record.number.to_string();
    append_entry(conn, case.id, &number, now, label, entry.action, false, &entry.detail).await?;
    Ok(())
}

pub(super) async fn save_agreement(
    store: &SqlStore<Db>,
    case: &StoredCase,
    agreement: &Agreement,
    version: Option<i64>,
    entry: &AgreementEntry,
    actor: Actor<'_>,
    now: Timestamp,
) -> Result<StoredAgreement, StoreError> {
    let (case, a, entry, label) = (case.clone(), agreement.clone(), entry.clone(), actor.label.to_owned());
    let case_id = case.id;
    store
        .write_job(move |conn: &mut Conn| -> crate::group::BoxFuture<'_, Result<(), StoreError>> {
            Box::pin(async move { save_agreement_conn(conn, &case, &a, version, &entry, &label, now).await })
        })
        .await?;
    // Read from the writer's side of the commit: the read pool sees it once committed.
    agreement_after_write(store, case_id).await
}

async fn agreement_after_write(store: &SqlStore<Db>, case_id: i64) -> Result<StoredAgreement, StoreError> {
    agreement(store, case_id).await?.ok_or_else(|| StoreError::NotFound(format!("agreement of case {case_id}")))
}

/// The agreement figures (see `AgreementFigures`) of `union`'s subtree for `period`, terms
/// judged on `today`. The agreements are few (one per mediated dispute), so they are
/// summed from their own tables, not from the tallies.
pub(super) async fn agreement_figures(
    store: &SqlStore<Db>,
    union: &Union,
    period: Period,
    today: NaiveDate,
) -> Result<AgreementFigures, StoreError> {
    let like = format!("{}%", union.path);
    let (from, to) = (period.from().to_string(), period.to().to_string());
    let scope = "JOIN cases c ON c.id = a.case_id JOIN unions u ON u.id = c.union_id WHERE u.path LIKE $1";
    let signed: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM agreements a {scope} AND a.signed_on >= $2 AND a.signed_on <= $3"
    ))
    .bind(&like)
    .bind(&from)
    .bind(&to)
    .fetch_one(&store.read)
    .await?;
    let (agreed, paid): (Option<i64>, Option<i64>) = sqlx::query_as(&format!(
        "SELECT {SUM_BIGINT}(t.amount), {SUM_BIGINT}(t.paid) FROM agreement_terms t \
         JOIN agreements a ON a.case_id = t.case_id {scope} AND a.signed_on >= $2 AND a.signed_on <= $3"
    ))
    .bind(&like)
    .bind(&from)
    .bind(&to)
    .fetch_one(&store.read)
    .await?;
    let last_due = period.to().min(today).to_string();
    let (due, on_time): (i64, Option<i64>) = sqlx::query_as(&format!(
        "SELECT COUNT(*), {SUM_BIGINT}(CASE WHEN t.paid_on IS NOT NULL AND t.paid_on <= t.due_on THEN 1 ELSE 0 END) \
         FROM agreement_terms t JOIN agreements a ON a.case_id = t.case_id {scope} \
         AND a.signed_on IS NOT NULL AND t.due_on >= $2 AND t.due_on <= $3"
    ))
    .bind(&like)
    .bind(&from)
    .bind(&last_due)
    .fetch_one(&store.read)
    .await?;
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    Ok(AgreementFigures::new(
        count(signed),
        count(due),
        count(on_time.unwrap_or(0)),
        MoneySum::from_fen(agreed.unwrap_or(0)),
        MoneySum::from_fen(paid.unwrap_or(0)),
    ))
}

/// Of these cases, the ones whose signed agreement has a term unpaid after its due day
/// (before `today`): the inbox's and the case page's marker.
pub(super) async fn overdue_among(
    store: &SqlStore<Db>,
    case_ids: &[i64],
    today: NaiveDate,
) -> Result<Vec<i64>, StoreError> {
    if case_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb = sqlx::QueryBuilder::<Db>::new(
        "SELECT DISTINCT t.case_id FROM agreement_terms t JOIN agreements a ON a.case_id = t.case_id \
         WHERE a.signed_on IS NOT NULL AND t.paid_on IS NULL AND t.due_on < ",
    );
    qb.push_bind(today.to_string());
    qb.push(" AND t.case_id IN (");
    let mut sep = qb.separated(", ");
    for id in case_ids {
        sep.push_bind(*id);
    }
    qb.push(") ORDER BY t.case_id");
    let ids: Vec<i64> = qb.build_query_scalar().fetch_all(&store.read).await?;
    Ok(ids)
}

/// Cases of `path`'s subtree whose signed agreement has a term overdue on `today`.
pub(super) async fn overdue_within(store: &SqlStore<Db>, path: &str, today: NaiveDate) -> Result<Vec<i64>, StoreError> {
    let like = format!("{path}%");
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT t.case_id FROM agreement_terms t JOIN agreements a ON a.case_id = t.case_id \
         JOIN cases c ON c.id = t.case_id JOIN unions u ON u.id = c.union_id \
         WHERE u.path LIKE $1 AND a.signed_on IS NOT NULL AND t.paid_on IS NULL AND t.due_on < $2 \
         ORDER BY t.case_id",
    )
    .bind(&like)
    .bind(today.to_string())
    .fetch_all(&store.read)
    .await?;
    Ok(ids)
}

/// Every agreement as an exchange record, in case order (the export, in its snapshot).
pub(super) async fn all_records(conn: &mut Conn) -> Result<Vec<AgreementRecord>, StoreError> {
    let rows: Vec<NumberedRow> = sqlx::query_as(
        "SELECT c.number, a.case_id, a.body, a.signed_on, a.signed_at, a.version, a.updated_at FROM agreements a \
         JOIN cases c ON c.id = a.case_id ORDER BY a.case_id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let terms: Vec<TermRow> =
        sqlx::query_as(&format!("{TERM_SELECT} ORDER BY t.case_id, t.idx")).fetch_all(&mut *conn).await?;
    let mut out = Vec::with_capacity(rows.len());
    for (number, case_id, body, signed_on, signed_at, version, updated_at) in rows {
        let case: CaseNumber = number.parse().map_err(|e| bad("a case number", e))?;
        let mine = of_case(&terms, case_id);
        let stored = assemble((case_id, body, signed_on, signed_at, version, updated_at), mine)?;
        out.push(AgreementRecord { case, agreement: stored.agreement, signed_at: stored.signed_at });
    }
    Ok(out)
}

/// The rows of one case's terms in rows sorted by case.
fn of_case(terms: &[TermRow], case_id: i64) -> &[TermRow] {
    let first = terms.partition_point(|t| t.0 < case_id);
    let last = terms.partition_point(|t| t.0 <= case_id);
    terms.get(first..last).unwrap_or_default()
}
