//! Writing cases: registration (numbering, the first record-book entry), saved changes,
//! the supervision sweep, and the one insert every new case goes through.

use super::case_read::case_where_id;
use super::record_book::{append_entry, insert_entries, NewEntry};
use super::search::{index_new_rows, reindex_changed, CaseText};
use super::tallies::{retally_case, TallyDelta};
use super::{is_unique_violation, Conn, Db, DIALECT};
use crate::rows::{CaseColumns, CaseRow, CASE_SELECT};
use crate::{Actor, SqlStore, StoreError, StoredCase};
use sqlx::QueryBuilder;
use std::collections::{HashMap, HashSet};
use youyue_domain::calendar::WorkCalendar;
use youyue_domain::command::Change;
use youyue_domain::exchange::CaseRecord;
use youyue_domain::stats::CaseFacts;
use youyue_domain::{CaseNumber, Status, Timestamp};

/// The case row's update in this backend's parameters (`Backend::param`).
pub(super) static CASE_UPDATE_SQL: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| crate::rows::case_update_sql(DIALECT.backend));

/// Raises the counter of a prefix and year to at least `seq`, so that new cases never take
/// an imported number.
pub(super) async fn bump_counter(conn: &mut Conn, prefix: &str, year: i32, seq: i64) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO case_counters (prefix, year, last) VALUES ($1, $2, $3) ON CONFLICT (prefix, year) \
         DO UPDATE SET last = CASE WHEN case_counters.last < excluded.last THEN excluded.last ELSE case_counters.last END",
    )
    .bind(prefix)
    .bind(i64::from(year))
    .bind(seq)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Registers cases inside the caller's transaction (see `Store::create_case`): the
/// registrations of a whole commit group at once on SQLite (`group.rs`), one on PostgreSQL.
/// Each registration gets its own answer; a registration refused (no such union, a key
/// already used, a rule broken) takes nothing from the others, not even a case number. An
/// `Err` of the whole means a statement failed: the caller rolls back what this wrote.
///
/// The statements are shared: one read of the keys, one of the unions, one counter upsert
/// per case prefix and year, one insert each for the cases, their first record-book
/// entries and the keys, and the tallies summed into a few upserts. A registration is the
/// hot write path, and on SQLite every statement is a round trip to the connection's thread
/// (two thread wake-ups), which cost more than the writing (bench/README.md).
async fn create_cases_conn(
    conn: &mut Conn,
    regs: &[crate::Registration],
) -> Result<Vec<Result<StoredCase, StoreError>>, StoreError> {
    let mut out: Vec<Option<Result<StoredCase, StoreError>>> = regs.iter().map(|_| None).collect();
    // A key used before, or earlier in this group, answers the case it made (the caller
    // reads it after the commit).
    let keys: Vec<&str> =
        regs.iter().filter_map(|r| r.draft.idempotency.as_ref().map(|k| k.key_hash.as_str())).collect();
    let mut used: HashSet<String> = HashSet::new();
    if !keys.is_empty() {
        let mut qb = QueryBuilder::<Db>::new("SELECT key_hash FROM idempotency_keys WHERE key_hash IN (");
        let mut list = qb.separated(", ");
        for k in &keys {
            list.push_bind(*k);
        }
        qb.push(")");
        used.extend(qb.build_query_scalar::<String>().fetch_all(&mut *conn).await?);
    }
    for (i, r) in regs.iter().enumerate() {
        if r.draft.idempotency.as_ref().is_some_and(|k| used.contains(&k.key_hash)) {
            out[i] = Some(Err(StoreError::IdempotencyKeyUsed));
        }
    }
    // Each union's code and path and its district's case prefix, in one read.
    let union_ids: std::collections::BTreeSet<i64> =
        regs.iter().zip(&out).filter(|(_, o)| o.is_none()).map(|(r, _)| r.draft.union_id).collect();
    let mut unions: HashMap<i64, (String, String, String)> = HashMap::new();
    if !union_ids.is_empty() {
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT u.id, u.code, u.path, r.case_prefix FROM unions u JOIN unions r ON r.id = u.root_id WHERE u.id IN (",
        );
        let mut list = qb.separated(", ");
        for id in &union_ids {
            list.push_bind(*id);
        }
        qb.push(")");
        let rows: Vec<(i64, String, String, Option<String>)> = qb.build_query_as().fetch_all(&mut *conn).await?;
        unions.extend(rows.into_iter().map(|(id, code, path, prefix)| (id, (code, path, prefix.unwrap_or_default()))));
    }
    // The records, checked before any takes a number.
    let mut records: Vec<Option<CaseRecord>> = regs.iter().map(|_| None).collect();
    let mut by_year: std::collections::BTreeMap<(String, i32), Vec<usize>> = Default::default();
    for (i, r) in regs.iter().enumerate() {
        if out[i].is_some() {
            continue;
        }
        let Some((code, _, prefix)) = unions.get(&r.draft.union_id) else {
            out[i] = Some(Err(StoreError::invalid("union", "no such union")));
            continue;
        };
        let year = chrono::Datelike::year(&r.draft.opened_at.to_cst());
        let record = CaseNumber::new(prefix, year, 1)
            .map_err(|e| StoreError::Corrupt(e.to_string()))
            .and_then(|n| registered_record(&r.draft, n, code));
        match record {
            // The same key twice in one group: the first that will be written takes it (a
            // refused one takes nothing); the other answers that one's case after the commit.
            Ok(_) if r.draft.idempotency.as_ref().is_some_and(|k| !used.insert(k.key_hash.clone())) => {
                out[i] = Some(Err(StoreError::IdempotencyKeyUsed));
            }
            Ok(rec) => {
                records[i] = Some(rec);
                by_year.entry((prefix.clone(), year)).or_default().push(i);
            }
            Err(e) => out[i] = Some(Err(e)),
        }
    }
    for ((prefix, year), members) in &by_year {
        let taken = members.len() as i64;
        let last: i64 = sqlx::query_scalar(
            "INSERT INTO case_counters (prefix, year, last) VALUES ($1, $2, $3) ON CONFLICT (prefix, year) \
             DO UPDATE SET last = case_counters.last + excluded.last RETURNING last",
        )
        .bind(prefix)
        .bind(i64::from(*year))
        .bind(taken)
        .fetch_one(&mut *conn)
        .await?;
        for (k, &i) in members.iter().enumerate() {
            let seq = last - taken + 1 + k as i64;
            let number = CaseNumber::new(prefix, *year, seq).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            if let Some(rec) = records[i].as_mut() {
                rec.number = number;
            }
        }
    }
    let new: Vec<(usize, CaseRecord)> =
        records.into_iter().enumerate().filter_map(|(i, r)| r.map(|r| (i, r))).collect();
    if new.is_empty() {
        return Ok(out
            .into_iter()
            .map(|o| o.unwrap_or_else(|| Err(StoreError::Corrupt("registration".into()))))
            .collect());
    }
    // A new case holds one entry, written below; `updated_at` is when it was raised.
    let columns: Vec<NewCaseRow> = new
        .iter()
        .map(|(i, r)| {
            let d = &regs[*i].draft;
            NewCaseRow::new(r, d.union_id, d.worker_user_id, None, d.opened_at, 1)
        })
        .collect();
    let ids = insert_cases(conn, &columns, false).await?;
    let id_of = |number: &str| {
        ids.get(number).copied().ok_or_else(|| StoreError::Corrupt(format!("case {number} not inserted")))
    };
    let mut entries = Vec::with_capacity(new.len());
    let mut delta = TallyDelta::default();
    let mut above = TallyDelta::default();
    let cal = WorkCalendar::default();
    let mut keys = Vec::new();
    for ((i, record), NewCaseRow { number, .. }) in new.iter().zip(&columns) {
        let d = &regs[*i].draft;
        let id = id_of(number)?;
        // Personal details stay out of the record book: it says only whether they were given.
        // The rest is the case as raised, but its title and description, the worker's own
        // words that a chair may have to redact (`chain::Replay` knows the fields a
        // registration leaves empty and takes the opening time from the entry's).
        let detail = serde_json::json!({
            "after": {
                "union": record.union, "kind": record.kind, "channel": record.channel,
                "people": record.people, "collective": record.collective, "online": record.online,
                "scheduled": record.scheduled, "immediate": record.immediate,
                "anonymous": record.anonymous, "status": record.status, "contact_given": record.contact.is_some(),
            }
        });
        entries.push(NewEntry::chained_parts(
            id,
            number,
            youyue_domain::chain::GENESIS,
            1,
            d.opened_at,
            &regs[*i].label,
            "register",
            false,
            detail.to_string(),
        ));
        // A registered case has not been accepted: its tallies need no working-day calendar.
        let path = unions.get(&d.union_id).map(|(_, p, _)| p.as_str()).unwrap_or_default();
        delta.add_case(&mut above, path, &CaseFacts::from(record), &cal, 1);
        if let Some(k) = &d.idempotency {
            keys.push((k, id));
        }
    }
    insert_entries(conn, &entries).await?;
    let registered: Vec<(i64, &crate::CaseDraft)> = new
        .iter()
        .zip(&columns)
        .map(|((i, _), c)| Ok((id_of(&c.number)?, &regs[*i].draft)))
        .collect::<Result<_, StoreError>>()?;
    super::notices::registration_events(conn, &registered, Timestamp::now()).await?;
    delta.absorb(above);
    delta.write(conn).await?;
    if !keys.is_empty() {
        let now = Timestamp::now().micros();
        let mut qb = QueryBuilder::<Db>::new(
            "INSERT INTO idempotency_keys (key_hash, request_hash, case_id, salt, created_at) ",
        );
        qb.push_values(&keys, |mut row, (k, id)| {
            row.push_bind(&k.key_hash).push_bind(&k.request_hash).push_bind(*id).push_bind(&k.salt).push_bind(now);
        });
        match qb.build().execute(&mut *conn).await {
            Ok(_) => {}
            // PostgreSQL: a concurrent attempt with the same key committed first. (On SQLite
            // writes are serial and the read above settled it.)
            Err(e) if is_unique_violation(&e) && regs.len() == 1 => {
                return Ok(vec![Err(StoreError::IdempotencyKeyUsed)])
            }
            Err(e) => return Err(e.into()),
        }
    }
    for ((i, record), NewCaseRow { number, .. }) in new.into_iter().zip(columns) {
        let d = &regs[i].draft;
        let id = id_of(&number)?;
        out[i] = Some(Ok(if d.worker_user_id.is_some() {
            // The worker account's username comes with the stored case.
            case_where_id(conn, id).await?
        } else {
            // Everything a re-read would return is known: a new case is version 1 with one entry.
            StoredCase {
                id,
                version: 1,
                union_id: d.union_id,
                union_path: unions.get(&d.union_id).map(|(_, p, _)| p.clone()).unwrap_or_default(),
                handler_id: None,
                worker_user_id: None,
                record_len: 1,
                record,
            }
        }));
    }
    Ok(out.into_iter().map(|o| o.unwrap_or_else(|| Err(StoreError::Corrupt("registration".into())))).collect())
}

/// `create_cases_conn` as the group writer takes it (a function pointer).
pub(crate) fn create_cases_boxed<'c>(
    conn: &'c mut Conn,
    regs: &'c [crate::Registration],
) -> crate::group::BoxFuture<'c, Result<Vec<Result<StoredCase, StoreError>>, StoreError>> {
    Box::pin(create_cases_conn(conn, regs))
}

/// A draft as the record of a case just registered, numbered `number`, checked.
fn registered_record(d: &crate::CaseDraft, number: CaseNumber, union_code: &str) -> Result<CaseRecord, StoreError> {
    let record = CaseRecord {
        number,
        union: union_code.parse().map_err(|_| StoreError::Corrupt(union_code.to_owned()))?,
        kind: d.kind,
        channel: d.channel,
        collective: d.collective,
        online: d.online,
        scheduled: d.scheduled,
        people: d.people,
        title: d.title.clone(),
        description: d.description.clone(),
        anonymous: d.anonymous,
        opened_at: d.opened_at,
        status: Status::Registered,
        closed_at: None,
        agreement: None,
        amount_recovered: None,
        adopted: None,
        rating: None,
        immediate: d.immediate,
        worker_name: d.worker_name.clone(),
        contact: d.contact.clone(),
        urgency: None,
        due_on: None,
        accepted_at: None,
        handler: None,
        worker_account: None,
        resolution: None,
        explanation: None,
        rating_comment: None,
        rated_at: None,
        tracking_code_hash: d.tracking_code_hash.clone(),
        supervised_due_on: None,
        chased_due_on: None,
        paused_since: None,
        paused_until: None,
        paused_reason: None,
        arbitration_commission: None,
        referred_on: None,
        notify: d.notify_worker,
        merged_into: None,
    };
    record.check_workflow().map_err(|e| StoreError::Invalid { field: e.field, message: e.message })?;
    Ok(record)
}

/// A case row to insert: its columns and what lies outside the record.
pub(super) struct NewCaseRow {
    pub(super) number: String,
    pub(super) union_id: i64,
    pub(super) columns: CaseColumns<'static>,
    pub(super) worker_user_id: Option<i64>,
    pub(super) handler_id: Option<i64>,
    pub(super) updated_at: Timestamp,
    /// Entries its record book will hold once the caller has written them.
    pub(super) record_len: i64,
}

impl NewCaseRow {
    pub(super) fn new(
        record: &CaseRecord,
        union_id: i64,
        worker_user_id: Option<i64>,
        handler_id: Option<i64>,
        updated_at: Timestamp,
        record_len: i64,
    ) -> Self {
        NewCaseRow {
            number: record.number.to_string(),
            union_id,
            columns: CaseColumns::from(record),
            worker_user_id,
            handler_id,
            updated_at,
            record_len,
        }
    }
}

/// Inserts cases, many rows a statement (every case insert goes through here: a
/// registration group, an import's held batch, an import line). With `skip_stored`, a
/// number already stored is left alone (`ON CONFLICT (number) DO NOTHING`). Answers the
/// number → id of the rows inserted.
pub(super) async fn insert_cases(
    conn: &mut Conn,
    rows: &[NewCaseRow],
    skip_stored: bool,
) -> Result<HashMap<String, i64>, StoreError> {
    let mut qb = QueryBuilder::<Db>::new(format!(
        "INSERT INTO cases (number, union_id, {}, worker_user_id, handler_id, updated_at, record_len) ",
        crate::rows::CASE_COLUMNS.join(", ")
    ));
    qb.push_values(rows, |mut row, r| {
        row.push_bind(&r.number).push_bind(r.union_id);
        r.columns.push_binds(&mut row);
        row.push_bind(r.worker_user_id)
            .push_bind(r.handler_id)
            .push_bind(r.updated_at.micros())
            .push_bind(r.record_len);
    });
    if skip_stored {
        qb.push(" ON CONFLICT (number) DO NOTHING");
    }
    qb.push(" RETURNING id, number");
    let inserted: Vec<(i64, String)> = qb.build_query_as().fetch_all(&mut *conn).await?;
    let inserted: HashMap<String, i64> = inserted.into_iter().map(|(id, n)| (n, id)).collect();
    index_new_rows(conn, rows, &inserted).await?;
    Ok(inserted)
}

/// Saves a change to a case and its record entry inside the caller's transaction, against
/// the version the change was computed from.
pub(super) async fn save_change_conn(
    conn: &mut Conn,
    case: &StoredCase,
    change: &Change,
    handler_id: Option<i64>,
    label: &str,
    now: Timestamp,
) -> Result<StoredCase, StoreError> {
    if change.case != case.record || handler_id != case.handler_id {
        // A transfer (派单/改派, 退单) moves the case to another union: its row, its
        // tallies and its index entries follow, in this transaction.
        let (union_id, union_path) = if change.case.union == case.record.union {
            (case.union_id, case.union_path.clone())
        } else {
            let found: Option<(i64, String)> = sqlx::query_as("SELECT id, path FROM unions WHERE code = $1")
                .bind(change.case.union.as_str())
                .fetch_optional(&mut *conn)
                .await?;
            found.ok_or_else(|| StoreError::Invalid { field: "union", message: "no such union".into() })?
        };
        let cols = CaseColumns::from(&change.case);
        let q = sqlx::query(&CASE_UPDATE_SQL);
        let done = cols
            .bind(q)
            .bind(union_id)
            .bind(handler_id)
            .bind(case.worker_user_id)
            .bind(now.micros())
            .bind(case.id)
            .bind(case.version)
            .execute(&mut *conn)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(format!(
                "case {} was changed by someone else meanwhile; reload it and try again",
                case.record.number
            )));
        }
        retally_case(conn, Some((case.union_id, &case.record)), Some((union_id, &change.case))).await?;
        let filed = CaseText::of(case.id, &case.union_path, case.handler_id, &case.record)?;
        let refiled = CaseText::of(case.id, &union_path, handler_id, &change.case)?;
        reindex_changed(conn, &filed, &refiled).await?;
    }
    if change.action == youyue_domain::workflow::Action::Anonymise {
        super::agreements::anonymise_conn(conn, case.id, now).await?;
        super::notices::forget_worker(conn, case.id).await?;
    }
    let number = case.record.number.to_string();
    let action = change.action.as_str();
    let seq = append_entry(conn, case.id, &number, now, label, action, change.internal, &change.detail).await?;
    super::notices::entry_event(conn, case.id, seq, action, &change.detail, &change.case, now).await?;
    super::callbacks::on_entry(conn, case.id, now, action, &change.detail).await?;
    super::assists::follow_entry(conn, case, change, label, now).await?;
    // Closing a case, or merging it (issue 22), ends its booked appointments.
    if !change.case.status.is_open() && case.record.status.is_open() {
        super::appointments::cancel_on_close(conn, case, label, now).await?;
    }
    case_where_id(conn, case.id).await
}

pub(super) async fn create_case(
    store: &SqlStore<Db>,
    d: &crate::CaseDraft,
    actor: Actor<'_>,
) -> Result<StoredCase, StoreError> {
    let reg = crate::Registration { draft: d.clone(), label: actor.label.to_owned() };
    store.group.register(reg).await
}

pub(super) async fn save_change(
    store: &SqlStore<Db>,
    case: &StoredCase,
    change: &Change,
    handler_id: Option<i64>,
    actor: Actor<'_>,
    now: Timestamp,
) -> Result<StoredCase, StoreError> {
    let (case, change, label) = (case.clone(), change.clone(), actor.label.to_owned());
    store
        .write_job(move |conn: &mut Conn| -> crate::group::BoxFuture<'_, Result<StoredCase, StoreError>> {
            Box::pin(async move { save_change_conn(conn, &case, &change, handler_id, &label, now).await })
        })
        .await
}

/// The sweep of late cases, one pass for both rules (issue 22 folded 催办 into 督办): a
/// case still open after its deadline, its clock not paused, is raised to the union above
/// (`supervise`, once per deadline, `command::due_for_supervision`) and, the day after a
/// deadline missed at most `command::CHASE_WITHIN_DAYS` ago, chased by the `system`
/// (`chase`, once per deadline, `command::due_for_chase`; so the first sweep after an
/// upgrade does not chase every old late case). Each entry gives rise to its notice.
/// Returns the numbers of the cases raised or chased (each once).
pub(super) async fn sweep_supervision(
    store: &SqlStore<Db>,
    today: chrono::NaiveDate,
    now: Timestamp,
) -> Result<Vec<CaseNumber>, StoreError> {
    // Candidates by SQL; the rules themselves are the domain's, checked again per case.
    // Every union and each open status, so that SQLite seeks `cases_union_status` for each
    // pair instead of reading every case, at start and every sweep.
    let open: Vec<String> = Status::ALL.iter().filter(|s| s.is_open()).map(|s| format!("'{}'", s.as_str())).collect();
    let rows: Vec<CaseRow> = sqlx::query_as(&format!(
        "{CASE_SELECT} WHERE c.union_id IN (SELECT id FROM unions) AND c.status IN ({}) AND c.due_on < $1 \
         AND c.paused_since IS NULL \
         AND (c.supervised_due_on IS NULL OR c.supervised_due_on <> c.due_on \
              OR ((c.chased_due_on IS NULL OR c.chased_due_on <> c.due_on) AND c.due_on >= $2)) \
         ORDER BY c.id LIMIT 500",
        open.join(", ")
    ))
    .bind(today.to_string())
    .bind((today - chrono::Days::new(youyue_domain::command::CHASE_WITHIN_DAYS.unsigned_abs())).to_string())
    .fetch_all(&store.read)
    .await?;
    // One transaction for the batch: one durable commit, not one per case.
    let mut swept = Vec::new();
    let mut tx = store.write.begin().await?;
    for row in rows {
        let case = StoredCase::try_from(row)?;
        let mut touched = false;
        if let Some(due) = youyue_domain::command::due_for_supervision(&case.record, today) {
            let parent: Option<String> =
                sqlx::query_scalar("SELECT p.code FROM unions u JOIN unions p ON p.id = u.parent_id WHERE u.id = $1")
                    .bind(case.union_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            // Only if nobody changed the deadline meanwhile.
            let done = sqlx::query(
                "UPDATE cases SET supervised_due_on = $2, version = version + 1 WHERE id = $1 AND due_on = $2",
            )
            .bind(case.id)
            .bind(due.to_string())
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 1 {
                let detail = serde_json::json!({ "due_on": due.to_string(), "raised_to": parent });
                let number = case.record.number.to_string();
                let seq = append_entry(&mut tx, case.id, &number, now, "system", "supervise", true, &detail).await?;
                super::notices::entry_event(&mut tx, case.id, seq, "supervise", &detail, &case.record, now).await?;
                touched = true;
            }
        }
        if let Some(due) = youyue_domain::command::due_for_chase(&case.record, today) {
            let done =
                sqlx::query("UPDATE cases SET chased_due_on = $2, version = version + 1 WHERE id = $1 AND due_on = $2")
                    .bind(case.id)
                    .bind(due.to_string())
                    .execute(&mut *tx)
                    .await?;
            if done.rows_affected() == 1 {
                let detail = serde_json::json!({ "due_on": due.to_string() });
                let number = case.record.number.to_string();
                let seq = append_entry(&mut tx, case.id, &number, now, "system", "chase", true, &detail).await?;
                super::notices::entry_event(&mut tx, case.id, seq, "chase", &detail, &case.record, now).await?;
                touched = true;
            }
        }
        if touched {
            swept.push(case.record.number.clone());
        }
    }
    tx.commit().await?;
    Ok(swept)
}
