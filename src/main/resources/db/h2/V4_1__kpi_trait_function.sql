-- H2 only (quarkus.flyway.locations adds this folder for H2; PostgreSQL reads traits with ->>).
-- A trait of users.traits as text, for the KPI breakdowns: H2 2.3 has no JSON path function.
CREATE ALIAS MILEPOST_TRAIT DETERMINISTIC FOR 'io.milepost.kpi.H2Traits.text';
