//! Notices (通知): the transactional outbox's background work. Storage writes an event in
//! the transaction of the change that causes it; here the dispatcher turns events into
//! notices (who is told, by which channel, in which words: `youyue_domain::notice`), the
//! sender delivers them with retries (`deliver`: SMTP, WeChat Work robot, SMS gateway).

pub mod deliver;
