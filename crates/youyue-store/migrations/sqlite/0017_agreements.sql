-- The mediation agreement (调解协议书) of a dispute: one per case, draft until signed.
-- Keep in step with ../postgres/0017_agreements.sql.
--
-- `body` holds what only the paper reads (parties, claims, claims waived, other terms,
-- mediators, place) as JSON text; what the figures count is in columns: the signing day
-- and, in `agreement_terms`, each amount term's amount, due day and payment.
CREATE TABLE agreements (
    case_id    INTEGER NOT NULL PRIMARY KEY REFERENCES cases(id),
    body       TEXT   NOT NULL,
    signed_on  TEXT,
    signed_at  INTEGER,
    version    INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX agreements_signed_on ON agreements(signed_on);

-- Days are China dates 'YYYY-MM-DD'; amounts integer fen. `idx` counts from 0, as the API's
-- `terms[i]` does.
CREATE TABLE agreement_terms (
    case_id   INTEGER NOT NULL REFERENCES agreements(case_id),
    idx       INTEGER NOT NULL CHECK (idx >= 0),
    amount    INTEGER NOT NULL CHECK (amount > 0),
    payee     TEXT   NOT NULL,
    due_on    TEXT   NOT NULL,
    paid_on   TEXT,
    paid      INTEGER,
    PRIMARY KEY (case_id, idx)
);
CREATE INDEX agreement_terms_due_on ON agreement_terms(due_on);
