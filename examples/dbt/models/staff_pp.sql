-- dbt model (Snowflake): each staff row with the title index's reading.
-- Seed mappings/title-index.csv as `title_index` (dbt seed); the key expression below is
-- pptaxonomy.sqlkey.key_sql('s."Position Title"', 'snowflake'), checked by tests/test_sqlkey.py.
-- Rows with pp_status NULL are not resolved by SQL (non-ASCII, over-long, or a comma title
-- whose key is not comma_safe, or a title not in the index): run the Python audit on those.
WITH staff AS (SELECT * FROM {{ ref('esr_assignments') }}),
keyed AS (
  SELECT s.*, CASE WHEN REGEXP_LIKE(coalesce(s."Position Title", ''), '[ -~]*') AND length(coalesce(s."Position Title", '')) <= 1000 THEN trim(regexp_replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace((' ' || replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(trim(regexp_replace(replace(replace(regexp_replace(translate(replace(replace(lower(coalesce(s."Position Title", '')), '&', ' and '), '+', ' and '), '/\\|,;:()[]{}<>', '||||||||||||||'), ' +-+ *| *-+ +', '|'), '''', ''), '`', ''), '[^a-z0-9|]+', ' ')), ' *[|] *', '|'), '[|]+', '|'), '^[|]|[|]$', ''), ' +', '  '), '|', ' | ') || ' '), ' counselor ', ' counsellor '), ' counselors ', ' counsellor '), ' counseling ', ' counselling '), ' behavioral ', ' behavioural '), ' behavior ', ' behaviour '), ' organizational ', ' organisational '), ' specialized ', ' specialised '), ' pediatric ', ' paediatric '), ' pediatrics ', ' paediatrics '), ' practioner ', ' practitioner '), ' practicioner ', ' practitioner '), ' psychologists ', ' psychologist '), ' therapists ', ' therapist '), ' practitioners ', ' practitioner '), ' counsellors ', ' counsellor '), ' psychotherapists ', ' psychotherapist '), ' well  being ', ' wellbeing '), ' drama  therapist ', ' dramatherapist '), ' drama  therapy ', ' dramatherapy '), ' drama  therapists ', ' dramatherapist '), ' psycho  therapist ', ' psychotherapist '), ' psycho  therapy ', ' psychotherapy '), ' health  care ', ' healthcare '), ' co  ordinator ', ' coordinator '), ' +', ' ')) END AS pp_title_key
  FROM staff s
)
SELECT k.*, i.profession_id AS pp_profession_id, i.group_id AS pp_group_id,
       i.level_id AS pp_level_id, i.status AS pp_title_status, i.score AS pp_score,
       i.method AS pp_method, i.expected_codes AS pp_expected_codes
FROM keyed k
LEFT JOIN {{ ref('title_index') }} i
  ON i.title_key = k.pp_title_key
 AND (POSITION(',' IN k."Position Title") = 0 OR i.comma_safe)
