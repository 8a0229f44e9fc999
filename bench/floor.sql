-- The floor: what the database itself needs for each page, read straight from the base tables.
-- Blocks start with "-- name: <floor>"; parameters are written :name. The benchmark times each
-- block through a raw database connection, and the "export" block through the database's own
-- command-line client in CSV mode (sqlite3 -csv, or psql \copy), writing every row to a file.

-- name: dashboard
-- Headline counts by status, overdue and stale counts, and the month-by-month trend summary.
SELECT status, COUNT(*) FROM commitments_commitment GROUP BY status;
SELECT COUNT(*) FROM commitments_commitment WHERE due_on < :today AND status <> 'implemented';
SELECT COUNT(*) FROM commitments_commitment WHERE last_recorded_at IS NULL OR last_recorded_at < :stale_cutoff;
SELECT status, SUM(delta) FROM commitments_statusmonthdelta WHERE month < :first_month GROUP BY status;
SELECT month, status, SUM(delta) FROM commitments_statusmonthdelta WHERE month >= :first_month GROUP BY month, status;

-- name: list_first
SELECT COUNT(*) FROM commitments_commitment;
SELECT c.id, c.reference, c.title, c.status, c.due_on, i.code, j.name
  FROM commitments_commitment c
  JOIN commitments_instrument i ON i.id = c.instrument_id
  JOIN commitments_jurisdiction j ON j.id = c.jurisdiction_id
 ORDER BY i.code, c.reference LIMIT 50;

-- name: list_filtered
SELECT COUNT(*) FROM commitments_commitment WHERE status = :status AND jurisdiction_id = :jurisdiction_id;
SELECT c.id, c.reference, c.title, c.status, c.due_on, i.code, j.name
  FROM commitments_commitment c
  JOIN commitments_instrument i ON i.id = c.instrument_id
  JOIN commitments_jurisdiction j ON j.id = c.jurisdiction_id
 WHERE c.status = :status AND c.jurisdiction_id = :jurisdiction_id
 ORDER BY i.code, c.reference LIMIT 50;

-- name: list_deep
SELECT COUNT(*) FROM commitments_commitment;
SELECT c.id, c.reference, c.title, c.status, c.due_on, i.code, j.name
  FROM commitments_commitment c
  JOIN commitments_instrument i ON i.id = c.instrument_id
  JOIN commitments_jurisdiction j ON j.id = c.jurisdiction_id
 ORDER BY i.code, c.reference LIMIT 50 OFFSET :deep_offset;

-- name: api_list_first
-- The API's first page: 50 commitments by id (and one more, to know there is a next page), their themes.
SELECT c.*, i.code, j.code, o.slug
  FROM commitments_commitment c
  JOIN commitments_instrument i ON i.id = c.instrument_id
  JOIN commitments_jurisdiction j ON j.id = c.jurisdiction_id
  LEFT JOIN commitments_organisation o ON o.id = c.responsible_body_id
 ORDER BY c.id LIMIT 51;
SELECT ct.commitment_id, t.slug FROM commitments_commitment_themes ct
  JOIN commitments_theme t ON t.id = ct.theme_id
 WHERE ct.commitment_id IN (SELECT id FROM commitments_commitment ORDER BY id LIMIT 50);

-- name: api_list_deep
-- A deep page: the same, after the row 90% of the way through.
SELECT c.*, i.code, j.code, o.slug
  FROM commitments_commitment c
  JOIN commitments_instrument i ON i.id = c.instrument_id
  JOIN commitments_jurisdiction j ON j.id = c.jurisdiction_id
  LEFT JOIN commitments_organisation o ON o.id = c.responsible_body_id
 WHERE c.id > :api_deep_after_id
 ORDER BY c.id LIMIT 51;
SELECT ct.commitment_id, t.slug FROM commitments_commitment_themes ct
  JOIN commitments_theme t ON t.id = ct.theme_id
 WHERE ct.commitment_id IN (SELECT id FROM commitments_commitment WHERE id > :api_deep_after_id ORDER BY id LIMIT 50);

-- name: instrument
SELECT status, COUNT(*) FROM commitments_commitment WHERE instrument_id = :instrument_id GROUP BY status;
SELECT c.id, c.reference, c.title, c.status, c.due_on
  FROM commitments_commitment c WHERE c.instrument_id = :instrument_id ORDER BY c.reference LIMIT 50;

-- name: commitment
SELECT * FROM commitments_commitment WHERE id = :commitment_id;
SELECT u.*, o.name FROM commitments_statusupdate u
  JOIN commitments_organisation o ON o.id = u.assessor_id
 WHERE u.commitment_id = :commitment_id ORDER BY u.effective_on DESC, u.recorded_at DESC, u.id DESC;
SELECT * FROM commitments_evidence WHERE commitment_id = :commitment_id;

-- name: report
-- One jurisdiction over a year: its commitments and the updates that took effect in the period.
SELECT c.id, c.reference, c.title, c.status, i.code
  FROM commitments_commitment c JOIN commitments_instrument i ON i.id = c.instrument_id
 WHERE c.jurisdiction_id = :report_jurisdiction_id ORDER BY i.code, c.reference;
SELECT u.commitment_id, u.status, u.effective_on, u.assessor_id
  FROM commitments_statusupdate u JOIN commitments_commitment c ON c.id = u.commitment_id
 WHERE c.jurisdiction_id = :report_jurisdiction_id AND u.effective_on BETWEEN :period_from AND :period_to
 ORDER BY u.commitment_id, u.effective_on, u.recorded_at, u.id;

-- name: export
-- Every commitment with what the list export shows, and the themes of each.
SELECT c.reference, c.title, i.code, j.name, o.name, c.status, c.status_on, c.contested, c.due_on, c.last_recorded_at
  FROM commitments_commitment c
  JOIN commitments_instrument i ON i.id = c.instrument_id
  JOIN commitments_jurisdiction j ON j.id = c.jurisdiction_id
  LEFT JOIN commitments_organisation o ON o.id = c.responsible_body_id
 ORDER BY i.code, c.reference;
SELECT ct.commitment_id, t.name
  FROM commitments_commitment_themes ct JOIN commitments_theme t ON t.id = ct.theme_id
 ORDER BY ct.commitment_id;
