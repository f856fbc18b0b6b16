//! The SQL text of the catalog queries: one `const` per kind of object the dump writes or
//! the restore drops, most of them selecting ready-made statements, with shared fragments
//! (`{USER_SCHEMA}`, `{CLASS_NOT_EXT}`…) that [`expand`] fills in before a query runs.
//! What `postgres/mod.rs` uses is `pub(crate)`; as this module is private to `postgres`,
//! that reaches no further.

/// The shop's own schemas: not system schemas, not owned by an extension.
const USER_SCHEMA: &str = "n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
    AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_namespace'::regclass
                    AND d.objid = n.oid AND d.deptype = 'e')";

/// Fill in the shared fragments of a catalog query. `{not_ext:CATALOG:OID}` is the condition
/// that the object whose oid is `OID` in `pg_catalog.CATALOG` was not created by an
/// extension; `{CLASS_NOT_EXT}`, `{TYPE_NOT_EXT}` and `{PROC_NOT_EXT}` are it for the
/// relation `c`, the type `t` and the routine `p` (which must not be part of another object
/// either, as a range type's constructors are). `{modify:COL}`, `{enabled:COL}`,
/// `{element:TYPE}`, `{if_known:COL}` and `{end_if_known:COL}` are the keyword, type and
/// condition expressions described below.
pub(crate) fn expand(query: &str) -> String {
    let mut query = query
        .replace(
            "{SET_DEFAULT_ACL}",
            &change_default_acl(BUILT_IN_DEFAULT_ACL, "d.defaclacl"),
        )
        .replace(
            "{RESET_DEFAULT_ACL}",
            &change_default_acl("d.defaclacl", BUILT_IN_DEFAULT_ACL),
        )
        .replace("{DEFAULT_ACL_SCHEMA}", DEFAULT_ACL_SCHEMA)
        .replace(
            "{GRANTEE_F}",
            "CASE WHEN f.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_catalog.pg_get_userbyid(f.grantee)) END",
        )
        .replace(
            "{ALTER_DEFAULT}",
            "format('ALTER DEFAULT PRIVILEGES FOR ROLE %I%s', pg_catalog.pg_get_userbyid(d.defaclrole),
                    CASE WHEN d.defaclnamespace = 0 THEN ''
                         ELSE format(' IN SCHEMA %I', (SELECT nspname FROM pg_catalog.pg_namespace WHERE oid = d.defaclnamespace)) END)",
        )
        .replace(
            "{DEFAULT_OBJECTS}",
            "CASE d.defaclobjtype WHEN 'r' THEN 'TABLES' WHEN 'S' THEN 'SEQUENCES' WHEN 'f' THEN 'FUNCTIONS'
                                  WHEN 'T' THEN 'TYPES' ELSE 'SCHEMAS' END",
        )
        .replace("{OWNED}", OWNED)
        .replace(
            "{REMEMBER_NOT_GIVEN}",
            &remember(
                NOT_GIVEN,
                "format('%s %s (%s)', lower(what), name, pg_catalog.pg_get_userbyid(owner))",
            ),
        )
        .replace("{REMEMBER_NOT_GRANTED}", &remember(NOT_GRANTED, "stmt"))
        .replace("{REMEMBER_NOT_SET}", &remember(NOT_SET, "x.setting"))
        .replace("{GRANT_ROWS}", GRANT_ROWS)
        .replace("{NEEDS_TABLES}", NEEDS_TABLES)
        .replace("{ROUTINES_USED}", ROUTINES_USED)
        .replace("{GRANTEE}", GRANTEE)
        .replace("{ROUTINE_SIGNATURE}", ROUTINE_SIGNATURE)
        .replace("{ALTER_KIND}", ALTER_KIND)
        // A relation `c`'s storage options and (`tc` joined as its TOAST table) its TOAST
        // table's; a column `a`'s options (`n_distinct`…).
        .replace(
            "{RELOPTIONS}",
            &option_list(
                "SELECT '' AS prefix, unnest(c.reloptions) AS o UNION ALL SELECT 'toast.', unnest(tc.reloptions)",
            ),
        )
        // Only the ones a column may be given: a server may keep options of its own there
        // (Debian's PostgreSQL 15.20 stamps every column `pg_attver=…`), which no server
        // takes back in `SET (…)`.
        .replace(
            "{ATTOPTIONS}",
            &option_list(
                "SELECT '' AS prefix, o FROM unnest(a.attoptions) o
                  WHERE split_part(o, '=', 1) IN ('n_distinct', 'n_distinct_inherited')",
            ),
        )
        .replace("{STANDALONE_TYPE}", STANDALONE_TYPE)
        .replace("{LATE_CHECK}", LATE_CHECK)
        .replace(
            "{U_REACHES_RELATION_ROW_TYPE}",
            &type_reaches("u.oid", &row_type_of("<> 'c'")),
        )
        .replace(
            "{U_REACHES_VIEW_ROW_TYPE}",
            &type_reaches("u.oid", &row_type_of("IN ('v', 'm')")),
        )
        .replace("{USER_SCHEMA}", USER_SCHEMA)
        .replace("{CLASS_NOT_EXT}", "{not_ext:pg_class:c.oid}")
        .replace("{TYPE_NOT_EXT}", "{not_ext:pg_type:t.oid}")
        .replace(
            "{PROC_NOT_EXT}",
            "{not_ext:pg_proc:p.oid} AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend part
                 WHERE part.classid = 'pg_catalog.pg_proc'::regclass AND part.objid = p.oid AND part.deptype = 'i')",
        );
    // The fragments that take an argument, `{name:ARG}`, expanded last, as the ones above
    // may hold them.
    let with_argument = [
        "{not_ext:",
        "{modify:",
        "{enabled:",
        "{element:",
        "{if_known:",
        "{end_if_known:",
    ];
    while let Some(start) = with_argument.iter().filter_map(|f| query.find(f)).min() {
        let end = start + query[start..].find('}').expect("a closed {name:ARG}");
        let (name, arg) = query[start + 1..end].split_once(':').expect("{name:ARG}");
        let fragment = match name {
            // Not created by an extension: ARG is `CATALOG:OID`.
            "not_ext" => {
                let (catalog, oid) = arg.split_once(':').expect("{not_ext:CATALOG:OID}");
                format!(
                    "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend ext WHERE ext.classid = 'pg_catalog.{catalog}'::regclass
                            AND ext.objid = {oid} AND ext.deptype = 'e')"
                )
            }
            // The `FINALFUNC_MODIFY` keyword for an aggregate's ARG column.
            "modify" => format!(
                "CASE {arg} WHEN 'r' THEN 'READ_ONLY' WHEN 's' THEN 'SHAREABLE' ELSE 'READ_WRITE' END"
            ),
            // The `ALTER TABLE` keyword that sets a trigger or rule (its ARG column, not
            // `'O'`) to fire as it did.
            "enabled" => format!(
                "CASE {arg} WHEN 'D' THEN 'DISABLE' WHEN 'R' THEN 'ENABLE REPLICA' ELSE 'ENABLE ALWAYS' END"
            ),
            // The type ARG (a `pg_type` row) or, for an array type, its element type.
            "element" => format!("CASE WHEN {arg}.typcategory = 'A' THEN {arg}.typelem ELSE {arg}.oid END"),
            // Around a statement (inside a `DO` block) that grants or revokes the privilege
            // ARG: a condition that the server knows it (`MAINTAIN` is PostgreSQL 17's).
            "if_known" => format!(
                "CASE WHEN {arg} = 'MAINTAIN' THEN 'IF pg_catalog.current_setting(''server_version_num'')::int >= 170000 THEN ' ELSE '' END"
            ),
            "end_if_known" => format!("CASE WHEN {arg} = 'MAINTAIN' THEN ' END IF;' ELSE '' END"),
            other => unreachable!("no fragment {{{other}:…}}"),
        };
        query.replace_range(start..=end, &fragment);
    }
    query
}

/// A type `ty` that is the row type of a relation whose kind meets `kind`.
fn row_type_of(kind: &str) -> String {
    format!(
        "ty.typtype = 'c' AND (SELECT rc.relkind FROM pg_catalog.pg_class rc WHERE rc.oid = ty.typrelid) {kind}"
    )
}

/// Whether the type `start`, or what it is an array of or a domain over (at any depth), is a
/// type `ty` meeting `found`. The set of such types is computed once per query (an
/// uncorrelated subquery), upwards from the types meeting `found`.
fn type_reaches(start: &str, found: &str) -> String {
    format!(
        "{start} IN (WITH RECURSIVE reach(oid) AS (
             SELECT ty.oid FROM pg_catalog.pg_type ty WHERE {found}
             UNION
             SELECT w.oid FROM reach JOIN pg_catalog.pg_type w
                 ON (w.typtype = 'd' AND w.typbasetype = reach.oid)
                 OR (w.typcategory = 'A' AND w.typelem = reach.oid))
         SELECT oid FROM reach)"
    )
}

pub(crate) const UNSUPPORTED: &str = "
SELECT format('%s calls the function %s, which needs the tables to exist first: it, or a function it calls, uses a table or view in its SQL-standard body, BEGIN ATOMIC, or takes or returns a table''s row type; a quoted body, AS $$ … $$, is not checked until it runs)',
              u.what, p.oid::regprocedure)
  FROM (SELECT format('column %I of table %s (its %s', a.attname, c.oid::regclass,
                      CASE WHEN a.attgenerated <> '' THEN 'generated value' ELSE 'default' END) AS what, d.refobjid
          FROM pg_catalog.pg_attrdef ad JOIN pg_catalog.pg_class c ON c.oid = ad.adrelid
          JOIN pg_catalog.pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
          JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_attrdef'::regclass AND d.objid = ad.oid
                                     AND d.refclassid = 'pg_catalog.pg_proc'::regclass
        UNION ALL
        SELECT format('partitioned table %s (its partition key', c.oid::regclass), d.refobjid
          FROM pg_catalog.pg_partitioned_table pt JOIN pg_catalog.pg_class c ON c.oid = pt.partrelid
          JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
                                     AND d.refclassid = 'pg_catalog.pg_proc'::regclass) u
  JOIN pg_catalog.pg_proc p ON p.oid = u.refobjid JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE {USER_SCHEMA} AND {PROC_NOT_EXT} AND {NEEDS_TABLES}
UNION ALL
SELECT format('%s %s (its SQL-standard body, BEGIN ATOMIC, reads the view %s, and views are made after the functions; a quoted body, AS $$ … $$, is not checked until it runs)',
              CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END, p.oid::regprocedure, v.oid::regclass)
  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid
                             AND d.refclassid = 'pg_catalog.pg_class'::regclass
  JOIN pg_catalog.pg_class v ON v.oid = d.refobjid AND v.relkind IN ('v', 'm')
  JOIN pg_catalog.pg_namespace vn ON vn.oid = v.relnamespace
 WHERE p.prosqlbody IS NOT NULL AND {USER_SCHEMA} AND {PROC_NOT_EXT}
   AND vn.nspname NOT LIKE 'pg\\_%' AND vn.nspname <> 'information_schema' AND {not_ext:pg_class:v.oid}
UNION ALL
SELECT format('event trigger %I (its function %s is one of the shop''s, which a restore replaces, and event triggers are not backed up)',
              e.evtname, p.oid::regprocedure)
  FROM pg_catalog.pg_event_trigger e JOIN pg_catalog.pg_proc p ON p.oid = e.evtfoid
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE {USER_SCHEMA} AND {PROC_NOT_EXT}
UNION ALL
SELECT format('foreign table %I.%I', n.nspname, c.relname)
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'f' AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
UNION ALL
SELECT format('range type %s (%s)', t.oid::regtype,
              CASE WHEN r.rngcanonical <> 0 THEN 'a canonical function'
                   WHEN st.typtype NOT IN ('b', 'e') THEN 'over a domain, composite or range type'
                   ELSE 'a subtype difference function of the database''s own' END)
  FROM pg_catalog.pg_range r JOIN pg_catalog.pg_type t ON t.oid = r.rngtypid
  JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace JOIN pg_catalog.pg_type st ON st.oid = r.rngsubtype
 WHERE {USER_SCHEMA} AND {TYPE_NOT_EXT}
   AND (r.rngcanonical <> 0 OR st.typtype NOT IN ('b', 'e')
        OR r.rngsubdiff IN (SELECT p.oid FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
                             WHERE {USER_SCHEMA} AND {PROC_NOT_EXT}))
UNION ALL
SELECT format('%s %s (its %s %I is of a table''s or view''s row type)',
              CASE c.relkind WHEN 'c' THEN 'composite type' ELSE 'table' END, c.oid::regclass,
              CASE c.relkind WHEN 'c' THEN 'attribute' ELSE 'column' END, a.attname)
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid CROSS JOIN LATERAL (SELECT a.atttypid) u(oid)
 WHERE a.attnum > 0 AND NOT a.attisdropped AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
   AND c.relkind IN ('c', 'r', 'p') AND {U_REACHES_RELATION_ROW_TYPE}
UNION ALL
SELECT format('%s %s (a view''s row type among its argument or result types)',
              CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END, p.oid::regprocedure)
  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE p.prokind IN ('f', 'p') AND {USER_SCHEMA} AND {PROC_NOT_EXT}
   AND p.oid IN (SELECT fp.oid FROM pg_catalog.pg_proc fp
                  CROSS JOIN LATERAL unnest(fp.proargtypes::oid[] || fp.prorettype) AS u(oid)
                 WHERE {U_REACHES_VIEW_ROW_TYPE})
UNION ALL
SELECT format('domain %s (over a table''s or view''s row type)', t.oid::regtype)
  FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
  CROSS JOIN LATERAL (SELECT t.typbasetype) u(oid)
 WHERE t.typtype = 'd' AND {USER_SCHEMA} AND {TYPE_NOT_EXT} AND {U_REACHES_RELATION_ROW_TYPE}
UNION ALL
SELECT format('domain %s (a check that calls the database''s own functions, on a domain used in an array or composite type, where PostgreSQL cannot add it once there are rows)', t.oid::regtype)
  FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
 WHERE t.typtype = 'd' AND {USER_SCHEMA} AND {TYPE_NOT_EXT}
   AND EXISTS (SELECT 1 FROM pg_catalog.pg_constraint co WHERE co.contypid = t.oid AND co.convalidated AND {LATE_CHECK})
   AND EXISTS (WITH RECURSIVE built(oid) AS (
                 SELECT t.oid UNION SELECT w.oid FROM built JOIN pg_catalog.pg_type w
                     ON (w.typtype = 'd' AND w.typbasetype = built.oid) OR (w.typcategory = 'A' AND w.typelem = built.oid))
               SELECT 1 FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class ac ON ac.oid = a.attrelid
                 JOIN pg_catalog.pg_type at ON at.oid = a.atttypid
                WHERE a.atttypid IN (SELECT oid FROM built) AND a.attnum > 0 AND NOT a.attisdropped
                  AND (at.typcategory = 'A' OR ac.relkind = 'c'))
UNION ALL
SELECT format('window function %s', p.oid::regprocedure) FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE p.prokind = 'w' AND {USER_SCHEMA} AND {PROC_NOT_EXT}
UNION ALL
SELECT format('text search parser %I.%I', n.nspname, t.prsname) FROM pg_catalog.pg_ts_parser t
  JOIN pg_catalog.pg_namespace n ON n.oid = t.prsnamespace
 WHERE {USER_SCHEMA} AND {not_ext:pg_ts_parser:t.oid}
UNION ALL
SELECT format('text search template %I.%I', n.nspname, t.tmplname) FROM pg_catalog.pg_ts_template t
  JOIN pg_catalog.pg_namespace n ON n.oid = t.tmplnamespace
 WHERE {USER_SCHEMA} AND {not_ext:pg_ts_template:t.oid}
UNION ALL
SELECT 'large objects' WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_largeobject_metadata)
UNION ALL
SELECT format('table %s (a line break in its name or a column''s, which its COPY line cannot hold)', c.oid::regclass)
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
   AND (c.relname ~ '[\n\r]' OR n.nspname ~ '[\n\r]'
        OR EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0
                      AND NOT a.attisdropped AND a.attname ~ '[\n\r]'))
UNION ALL
SELECT format('operator %s', o.oid::regoperator) FROM pg_catalog.pg_operator o
  JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace WHERE {USER_SCHEMA} AND {not_ext:pg_operator:o.oid}
UNION ALL
SELECT format('operator class %I.%I', n.nspname, oc.opcname) FROM pg_catalog.pg_opclass oc
  JOIN pg_catalog.pg_namespace n ON n.oid = oc.opcnamespace WHERE {USER_SCHEMA} AND {not_ext:pg_opclass:oc.oid}
UNION ALL
SELECT format('operator family %I.%I', n.nspname, f.opfname) FROM pg_catalog.pg_opfamily f
  JOIN pg_catalog.pg_namespace n ON n.oid = f.opfnamespace WHERE {USER_SCHEMA} AND {not_ext:pg_opfamily:f.oid}
UNION ALL
SELECT format('row level security forced on %s (it would hide rows from the dump even for the table''s owner)',
              c.oid::regclass)
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND c.relforcerowsecurity AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
";

/// Extensions' configuration tables this login can read (PostGIS's `spatial_ref_sys`, say),
/// each with the query counting the rows that are not the extension's own (its
/// `extcondition` picks the rows an extension leaves to the user). Such rows are not
/// dumped, so a backup refuses while there are any.
pub(crate) const EXTENSION_TABLES: &str = "
SELECT format('SELECT count(*) FROM %s %s', c.oid::regclass, x.cond), c.oid::regclass::text, e.extname::text
  FROM pg_catalog.pg_extension e CROSS JOIN LATERAL unnest(e.extconfig, e.extcondition) AS x(oid, cond)
  JOIN pg_catalog.pg_class c ON c.oid = x.oid
 WHERE c.relkind = 'r' AND pg_catalog.has_table_privilege(c.oid, 'SELECT')";

pub(crate) const SCHEMAS: &str = "
SELECT format('CREATE SCHEMA IF NOT EXISTS %I;', n.nspname) FROM pg_catalog.pg_namespace n
 WHERE {USER_SCHEMA} AND n.nspname <> 'public' ORDER BY n.nspname";

/// The extensions, each made if the database lacks it, then one check that each is in the
/// schema the backup has it in (one already there may be elsewhere, and every name the dump
/// writes is qualified): a sentence saying where it is and what to do, rather than a type
/// or function not found later.
pub(crate) const EXTENSIONS: &str = "
SELECT stmt FROM (
SELECT format('CREATE EXTENSION IF NOT EXISTS %I WITH SCHEMA %I;', e.extname, n.nspname) AS stmt, 1 AS step, e.oid
  FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
 WHERE e.extname <> 'plpgsql'
UNION ALL
SELECT format('DO %L;', 'BEGIN ' || string_agg(format('IF (%s) <> %L THEN RAISE EXCEPTION %L, (%s); END IF;',
                                                      now_in, quote_ident(n.nspname),
                                                      format('The extension %s is in the schema %% of this database, but the backup has it in the schema %s; move it there (ALTER EXTENSION %I SET SCHEMA %I, run by its owner), or restore into a database that has it there',
                                                             replace(e.extname, '%', '%%'), replace(n.nspname, '%', '%%'), e.extname, n.nspname),
                                                      now_in), ' ') || ' END'), 2, 0
  FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
  CROSS JOIN LATERAL (SELECT format('SELECT x.extnamespace::regnamespace::text FROM pg_catalog.pg_extension x WHERE x.extname = %L',
                                    e.extname) AS now_in) w
 WHERE e.extname <> 'plpgsql'
HAVING count(*) > 0
) s ORDER BY step, oid";

/// For the end of the dump: drop the extensions made since the backup (those not in it)
/// that the restoring login itself owns, so the restored database is the backup's. One of
/// another role (an administrator's, even when the login is a superuser), or one that
/// something outside the shop's objects still uses (another role's table), is left.
pub(crate) const EXTENSIONS_MADE_SINCE: &str = "
SELECT format('DO %L;',
              'DECLARE e text; BEGIN FOR e IN SELECT x.extname FROM pg_catalog.pg_extension x
                  WHERE NOT (x.extname = ANY (' || quote_literal(array_agg(extname)::text) || '::text[]))
                    AND x.extowner = (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = current_user)
               LOOP BEGIN EXECUTE pg_catalog.format(''DROP EXTENSION %I'', e);
                    EXCEPTION WHEN dependent_objects_still_exist THEN NULL; END; END LOOP; END')
  FROM pg_catalog.pg_extension";

/// The shop's own collations (a case-insensitive ICU one, say), before the types and tables
/// that use them. The locale's column differs between versions (`colllocale` from 17,
/// `colliculocale` in 15 and 16, `collcollate` before), so the row is read as JSON.
pub(crate) const COLLATIONS: &str = "
SELECT format('CREATE COLLATION %I.%I (provider = %s, %s, deterministic = %s%s);', n.nspname, co.collname,
              CASE co.collprovider WHEN 'i' THEN 'icu' WHEN 'b' THEN 'builtin' ELSE 'libc' END,
              CASE WHEN co.collprovider IN ('i', 'b')
                   THEN format('locale = %L', coalesce(j->>'colllocale', j->>'colliculocale', co.collcollate))
                   ELSE format('lc_collate = %L, lc_ctype = %L', co.collcollate, co.collctype) END,
              CASE WHEN co.collisdeterministic THEN 'true' ELSE 'false' END,
              coalesce(', rules = ' || quote_literal(j->>'collicurules'), ''))
  FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace
  CROSS JOIN LATERAL to_jsonb(co) j
 WHERE {USER_SCHEMA} AND {not_ext:pg_collation:co.oid} ORDER BY co.oid";

/// Text search dictionaries (over any template, such as `snowball` or an extension's
/// `unaccent`) and configurations with every token type's dictionaries, before the tables
/// whose generated columns and indexes name them.
pub(crate) const TEXT_SEARCH: &str = "
SELECT stmt FROM (
SELECT format('CREATE TEXT SEARCH DICTIONARY %I.%I (TEMPLATE = %I.%I%s);', n.nspname, d.dictname,
              tn.nspname, t.tmplname, coalesce(', ' || d.dictinitoption, '')) AS stmt, 1 AS step, d.oid
  FROM pg_catalog.pg_ts_dict d JOIN pg_catalog.pg_namespace n ON n.oid = d.dictnamespace
  JOIN pg_catalog.pg_ts_template t ON t.oid = d.dicttemplate JOIN pg_catalog.pg_namespace tn ON tn.oid = t.tmplnamespace
 WHERE {USER_SCHEMA} AND {not_ext:pg_ts_dict:d.oid}
UNION ALL
SELECT format('CREATE TEXT SEARCH CONFIGURATION %I.%I (PARSER = %I.%I);', n.nspname, c.cfgname, pn.nspname, p.prsname)
       || coalesce((SELECT string_agg(format(E'\nALTER TEXT SEARCH CONFIGURATION %I.%I ADD MAPPING FOR %s WITH %s;',
                                             n.nspname, c.cfgname, tt.alias,
                                             (SELECT string_agg(m.mapdict::pg_catalog.regdictionary::text, ', ' ORDER BY m.mapseqno)
                                                FROM pg_catalog.pg_ts_config_map m
                                               WHERE m.mapcfg = c.oid AND m.maptokentype = tt.tokid)), '' ORDER BY tt.tokid)
                      FROM pg_catalog.ts_token_type(c.cfgparser) tt
                     WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_ts_config_map m
                                    WHERE m.mapcfg = c.oid AND m.maptokentype = tt.tokid)), ''), 2, c.oid
  FROM pg_catalog.pg_ts_config c JOIN pg_catalog.pg_namespace n ON n.oid = c.cfgnamespace
  JOIN pg_catalog.pg_ts_parser p ON p.oid = c.cfgparser JOIN pg_catalog.pg_namespace pn ON pn.oid = p.prsnamespace
 WHERE {USER_SCHEMA} AND {not_ext:pg_ts_config:c.oid}
) s ORDER BY step, oid";

pub(crate) const ENUMS: &str = "
SELECT format('CREATE TYPE %I.%I AS ENUM (%s);', n.nspname, t.typname,
              (SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder)
                 FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid))
  FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
 WHERE t.typtype = 'e' AND {USER_SCHEMA} AND {TYPE_NOT_EXT} ORDER BY t.oid";

/// Range types (over a base type or an enum, with the server's own subtype difference
/// function if any: others are refused, see `UNSUPPORTED`), after the enums and before the
/// domains, each with its multirange type's name.
pub(crate) const RANGES: &str = "
SELECT format('CREATE TYPE %I.%I AS RANGE (%s);', n.nspname, t.typname, concat_ws(', ',
         'SUBTYPE = ' || pg_catalog.format_type(r.rngsubtype, NULL),
         CASE WHEN NOT opc.opcdefault THEN format('SUBTYPE_OPCLASS = %I.%I', opn.nspname, opc.opcname) END,
         (SELECT format('COLLATION = %I.%I', cn.nspname, co.collname)
            FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
           WHERE co.oid = r.rngcollation),
         CASE WHEN r.rngsubdiff <> 0 THEN 'SUBTYPE_DIFF = ' || r.rngsubdiff::regproc END,
         (SELECT format('MULTIRANGE_TYPE_NAME = %I.%I', mn.nspname, m.typname)
            FROM pg_catalog.pg_type m JOIN pg_catalog.pg_namespace mn ON mn.oid = m.typnamespace
           WHERE m.oid = r.rngmultitypid)))
  FROM pg_catalog.pg_range r JOIN pg_catalog.pg_type t ON t.oid = r.rngtypid
  JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
  JOIN pg_catalog.pg_opclass opc ON opc.oid = r.rngsubopc
  JOIN pg_catalog.pg_namespace opn ON opn.oid = opc.opcnamespace
 WHERE {USER_SCHEMA} AND {TYPE_NOT_EXT} ORDER BY t.oid";

/// Domains with the types they are made of (base type, types their checks name), after the
/// enums they may be over and before the functions and tables that use them. Their defaults come later, in `DOMAIN_DEFAULTS`, and some checks after the rows, in
/// `DOMAIN_CHECKS`.
pub(super) const DOMAINS: &str = "
SELECT t.oid, {element:bt} || ARRAY(SELECT d.refobjid FROM pg_catalog.pg_constraint co JOIN pg_catalog.pg_depend d
                    ON d.classid = 'pg_catalog.pg_constraint'::regclass AND d.objid = co.oid
                   AND d.refclassid = 'pg_catalog.pg_type'::regclass WHERE co.contypid = t.oid),
       format('CREATE DOMAIN %I.%I AS %s%s%s%s;', n.nspname, t.typname,
              pg_catalog.format_type(t.typbasetype, t.typtypmod),
              CASE WHEN t.typcollation <> bt.typcollation AND t.typcollation <> 0
                   THEN (SELECT format(' COLLATE %I.%I', cn.nspname, co.collname) FROM pg_catalog.pg_collation co
                           JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = t.typcollation)
                   ELSE '' END,
              CASE WHEN t.typnotnull AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint co
                                                      WHERE co.contypid = t.oid AND co.contype = 'n')
                   THEN ' NOT NULL' ELSE '' END,
              (SELECT coalesce(string_agg(format(' CONSTRAINT %I %s', co.conname, pg_catalog.pg_get_constraintdef(co.oid)),
                                          '' ORDER BY co.conname), '')
                 FROM pg_catalog.pg_constraint co WHERE co.contypid = t.oid AND co.contype IN ('c', 'n') AND NOT {LATE_CHECK}))
  FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
  JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype
 WHERE t.typtype = 'd' AND {USER_SCHEMA} AND {TYPE_NOT_EXT} ORDER BY t.oid";

/// A domain's check `co` that is added after the rows (`DOMAIN_CHECKS`) rather than in
/// `CREATE DOMAIN`: one not yet validated (the rows may break it), or one calling the
/// database's own functions (which may take the domain as an argument themselves).
const LATE_CHECK: &str = "(co.contype = 'c' AND (NOT co.convalidated
    OR EXISTS (SELECT 1 FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_proc p ON p.oid = d.refobjid
                 JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
                WHERE d.classid = 'pg_catalog.pg_constraint'::regclass AND d.objid = co.oid
                  AND d.refclassid = 'pg_catalog.pg_proc'::regclass AND {USER_SCHEMA} AND {PROC_NOT_EXT})))";

/// Domains' checks that come after the rows (see `LATE_CHECK`): adding one checks the rows
/// already there, unless it was `NOT VALID`.
pub(crate) const DOMAIN_CHECKS: &str = "
SELECT format('ALTER DOMAIN %s ADD CONSTRAINT %I %s;', t.oid::regtype, co.conname, pg_catalog.pg_get_constraintdef(co.oid))
  FROM pg_catalog.pg_constraint co JOIN pg_catalog.pg_type t ON t.oid = co.contypid
  JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
 WHERE {USER_SCHEMA} AND {TYPE_NOT_EXT} AND {LATE_CHECK} ORDER BY t.oid, co.conname";

/// Domains' defaults, once the sequences and functions they may call exist (and before any
/// row is loaded), deparsed schema-qualified.
pub(crate) const DOMAIN_DEFAULTS: &str = "
SELECT format('ALTER DOMAIN %I.%I SET DEFAULT %s;', n.nspname, t.typname, pg_catalog.pg_get_expr(t.typdefaultbin, 0))
  FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
 WHERE t.typtype = 'd' AND t.typdefaultbin IS NOT NULL AND {USER_SCHEMA} AND {TYPE_NOT_EXT} ORDER BY t.oid";

/// Composite types with the types of their attributes (ordered with the domains by
/// `domains_and_composites`; one with an attribute of a table's or view's row type is
/// refused: see `UNSUPPORTED`).
pub(super) const COMPOSITES: &str = "
SELECT t.oid, ARRAY(SELECT {element:at} FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type at ON at.oid = a.atttypid
                     WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped),
       format('CREATE TYPE %I.%I AS (%s);', n.nspname, t.typname,
              (SELECT coalesce(string_agg(format('%I %s%s', a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),
                                                 CASE WHEN a.attcollation <> at.typcollation AND a.attcollation <> 0
                                                      THEN (SELECT format(' COLLATE %I.%I', cn.nspname, co.collname)
                                                              FROM pg_catalog.pg_collation co
                                                              JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
                                                             WHERE co.oid = a.attcollation)
                                                      ELSE '' END), ', ' ORDER BY a.attnum), '')
                 FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type at ON at.oid = a.atttypid
                WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped))
  FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
  JOIN pg_catalog.pg_class c ON c.oid = t.typrelid
 WHERE t.typtype = 'c' AND c.relkind = 'c' AND {USER_SCHEMA} AND {TYPE_NOT_EXT} ORDER BY t.oid";

/// Functions that need tables to exist first: a table's or view's row type (or an array
/// of or domain over one) among their argument or result types, or an SQL-standard body
/// (`BEGIN ATOMIC`, checked when it is made) that uses a table, view, identity sequence or
/// such a row type, or an aggregate, itself or through the routines it calls. Other `BEGIN
/// ATOMIC` functions (one using a sequence of its own, say) come before the tables, whose
/// defaults and generated columns may call them, after the sequences.
const NEEDS_TABLES: &str = "(p.oid IN (
    SELECT fp.oid FROM pg_catalog.pg_proc fp CROSS JOIN LATERAL unnest(fp.proargtypes::oid[] || fp.prorettype) AS u(oid)
     WHERE {U_REACHES_RELATION_ROW_TYPE})
  OR p.prosqlbody IS NOT NULL AND EXISTS (
    WITH RECURSIVE called(oid) AS (
        VALUES (p.oid)
      UNION
        SELECT d.refobjid FROM pg_catalog.pg_depend d JOIN called c ON d.objid = c.oid
         WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.refclassid = 'pg_catalog.pg_proc'::regclass)
    SELECT 1 FROM called c JOIN pg_catalog.pg_depend d ON d.objid = c.oid AND d.classid = 'pg_catalog.pg_proc'::regclass
     WHERE d.refclassid = 'pg_catalog.pg_class'::regclass
           -- A sequence of its own (not an identity's) is made before the functions.
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class r WHERE r.oid = d.refobjid AND r.relkind = 'S'
                            AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend i
                                             WHERE i.classid = 'pg_catalog.pg_class'::regclass
                                               AND i.objid = r.oid AND i.deptype = 'i'))
        OR d.refclassid = 'pg_catalog.pg_proc'::regclass
           AND EXISTS (SELECT 1 FROM pg_catalog.pg_proc a WHERE a.oid = d.refobjid AND a.prokind = 'a')
        OR d.refclassid = 'pg_catalog.pg_type'::regclass
           AND EXISTS (SELECT 1 FROM pg_catalog.pg_type t JOIN pg_catalog.pg_class r ON r.oid = t.typrelid
                        WHERE t.oid = d.refobjid AND r.relkind <> 'c')))";

pub(crate) const FUNCTIONS: &str = "
SELECT p.oid, {ROUTINES_USED}, pg_catalog.pg_get_functiondef(p.oid) || ';'
  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE p.prokind IN ('f', 'p') AND {USER_SCHEMA} AND {PROC_NOT_EXT} AND NOT {NEEDS_TABLES} ORDER BY p.oid";

pub(crate) const FUNCTIONS_ON_TABLES: &str = "
SELECT p.oid, {ROUTINES_USED}, pg_catalog.pg_get_functiondef(p.oid) || ';'
  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE p.prokind IN ('f', 'p') AND {USER_SCHEMA} AND {PROC_NOT_EXT} AND {NEEDS_TABLES} ORDER BY p.oid";

/// The routines a routine `p` is made of (an aggregate's functions) or calls (a `BEGIN
/// ATOMIC` body), as the server records them.
const ROUTINES_USED: &str = "ARRAY(SELECT d.refobjid FROM pg_catalog.pg_depend d
     WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid
       AND d.refclassid = 'pg_catalog.pg_proc'::regclass)";

/// The shop's own aggregates (normal, ordered-set and hypothetical-set) that are made of a
/// function needing the tables (`on_tables`) or not: each once every function it is made
/// of exists, and before the views that use it. What is the default is left out, as
/// pg_dump does.
pub(crate) fn aggregates(on_tables: bool) -> String {
    let needs = if on_tables { "" } else { "NOT " };
    AGGREGATES.replace(
        "{NEEDS}",
        &format!(
            "{needs}EXISTS (SELECT 1 FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
                WHERE p.oid IN (a.aggtransfn, a.aggfinalfn, a.aggcombinefn, a.aggserialfn, a.aggdeserialfn,
                                a.aggmtransfn, a.aggminvtransfn, a.aggmfinalfn)
                  AND {{USER_SCHEMA}} AND {{PROC_NOT_EXT}} AND {{NEEDS_TABLES}})"
        ),
    )
}

const AGGREGATES: &str = "
SELECT p.oid, {ROUTINES_USED}, format('CREATE AGGREGATE %I.%I(%s) (%s);', n.nspname, p.proname,
              CASE WHEN p.pronargs = 0 THEN '*' ELSE pg_catalog.pg_get_function_arguments(p.oid) END,
              concat_ws(', ',
                'SFUNC = ' || a.aggtransfn::regproc,
                'STYPE = ' || pg_catalog.format_type(a.aggtranstype, NULL),
                NULLIF('SSPACE = ' || a.aggtransspace, 'SSPACE = 0'),
                CASE WHEN a.aggfinalfn <> 0 THEN 'FINALFUNC = ' || a.aggfinalfn::regproc END,
                CASE WHEN a.aggfinalextra THEN 'FINALFUNC_EXTRA' END,
                CASE WHEN a.aggfinalfn <> 0 THEN 'FINALFUNC_MODIFY = ' || {modify:a.aggfinalmodify} END,
                CASE WHEN a.aggcombinefn <> 0 THEN 'COMBINEFUNC = ' || a.aggcombinefn::regproc END,
                CASE WHEN a.aggserialfn <> 0 THEN 'SERIALFUNC = ' || a.aggserialfn::regproc END,
                CASE WHEN a.aggdeserialfn <> 0 THEN 'DESERIALFUNC = ' || a.aggdeserialfn::regproc END,
                'INITCOND = ' || quote_literal(a.agginitval),
                CASE WHEN a.aggmtransfn <> 0 THEN 'MSFUNC = ' || a.aggmtransfn::regproc END,
                CASE WHEN a.aggminvtransfn <> 0 THEN 'MINVFUNC = ' || a.aggminvtransfn::regproc END,
                CASE WHEN a.aggmtransfn <> 0 THEN 'MSTYPE = ' || pg_catalog.format_type(a.aggmtranstype, NULL) END,
                NULLIF('MSSPACE = ' || a.aggmtransspace, 'MSSPACE = 0'),
                CASE WHEN a.aggmfinalfn <> 0 THEN 'MFINALFUNC = ' || a.aggmfinalfn::regproc END,
                CASE WHEN a.aggmfinalextra THEN 'MFINALFUNC_EXTRA' END,
                CASE WHEN a.aggmfinalfn <> 0 THEN 'MFINALFUNC_MODIFY = ' || {modify:a.aggmfinalmodify} END,
                'MINITCOND = ' || quote_literal(a.aggminitval),
                (SELECT format('SORTOP = OPERATOR(%I.%s)', opn.nspname, o.oprname)
                   FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace opn ON opn.oid = o.oprnamespace
                  WHERE o.oid = a.aggsortop),
                CASE p.proparallel WHEN 's' THEN 'PARALLEL = SAFE' WHEN 'r' THEN 'PARALLEL = RESTRICTED' END,
                CASE WHEN a.aggkind = 'h' THEN 'HYPOTHETICAL' END))
  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  JOIN pg_catalog.pg_aggregate a ON a.aggfnoid = p.oid
 WHERE p.prokind = 'a' AND {USER_SCHEMA} AND {PROC_NOT_EXT} AND {NEEDS} ORDER BY p.oid";

pub(crate) const SEQUENCES: &str = "
SELECT format('%I.%I', n.nspname, c.relname) AS name,
       format('CREATE %sSEQUENCE %I.%I AS %s INCREMENT BY %s MINVALUE %s MAXVALUE %s START WITH %s CACHE %s%s;',
              CASE WHEN c.relpersistence = 'u' THEN 'UNLOGGED ' ELSE '' END, n.nspname, c.relname, pg_catalog.format_type(s.seqtypid, NULL), s.seqincrement, s.seqmin, s.seqmax,
              s.seqstart, s.seqcache, CASE WHEN s.seqcycle THEN ' CYCLE' ELSE '' END) AS create,
       (SELECT format('%I.%I.%I', tn.nspname, t.relname, a.attname)
          FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class t ON t.oid = d.refobjid
          JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
          JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
         WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'a') AS owned_by,
       EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'i') AS identity
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid
 WHERE c.relkind = 'S' AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
 ORDER BY c.oid";

/// Each table that inherits from another (not a partition), with that parent.
pub(crate) const INHERITS_FROM: &str = "
SELECT i.inhrelid, i.inhparent FROM pg_catalog.pg_inherits i
  JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid WHERE NOT c.relispartition";

/// Primary-key, unique, exclusion and check constraints. A check an inheriting table only
/// has from its parent comes with the parent's, which is added to the tables that inherit
/// from it too (partitions, created on their own, get every one of theirs).
pub(crate) const CONSTRAINTS: &str = "
SELECT format('ALTER TABLE %s%s ADD CONSTRAINT %I %s;',
              CASE WHEN co.contype = 'c' AND NOT co.connoinherit AND EXISTS (
                     SELECT 1 FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class ch ON ch.oid = i.inhrelid
                      WHERE i.inhparent = c.oid AND NOT ch.relispartition) THEN '' ELSE 'ONLY ' END,
              co.conrelid::regclass, co.conname, pg_catalog.pg_get_constraintdef(co.oid))
  FROM pg_catalog.pg_constraint co JOIN pg_catalog.pg_class c ON c.oid = co.conrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE co.contype IN ('p', 'u', 'c', 'x') AND c.relkind IN ('r', 'p') AND (co.conislocal OR c.relispartition)
   AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
 ORDER BY co.contype = 'c', co.conrelid, co.conname";

/// PostgreSQL 18's NOT NULL constraints added `NOT VALID` (the rows may break them): after
/// the rows, each on the table that made it (the tables inheriting from it get theirs).
pub(crate) const LATE_NOT_NULLS: &str = "
SELECT format('ALTER TABLE %s ADD CONSTRAINT %I NOT NULL %I NOT VALID;', co.conrelid::regclass, co.conname, a.attname)
  FROM pg_catalog.pg_constraint co JOIN pg_catalog.pg_class c ON c.oid = co.conrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = co.conkey[1]
 WHERE co.contype = 'n' AND NOT co.convalidated AND co.conislocal AND c.relkind IN ('r', 'p')
   AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
 ORDER BY co.conrelid, co.conname";

/// Checks an inheriting table has only from its parents, validated: a parent's check added
/// `NOT VALID` reaches the table unvalidated, so it is validated again, with the tables that
/// inherit from it in turn (which then had theirs validated too); where it is valid
/// already, nothing happens.
pub(crate) const VALIDATIONS: &str = "
SELECT format('ALTER TABLE %s VALIDATE CONSTRAINT %I;', co.conrelid::regclass, co.conname)
  FROM pg_catalog.pg_constraint co JOIN pg_catalog.pg_class c ON c.oid = co.conrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE co.contype = 'c' AND co.convalidated AND NOT co.conislocal AND NOT c.relispartition
   AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
 ORDER BY co.conrelid, co.conname";

/// Partitions attached to their parents, once both have their constraints (a partition must
/// have its parent's checks) and indexes (each partition's are attached to its parent's
/// matching ones); attaching checks the rows against the partition's bounds.
pub(crate) const ATTACH: &str = "
SELECT format('ALTER TABLE ONLY %s ATTACH PARTITION %s %s;', i.inhparent::regclass, c.oid::regclass,
              pg_catalog.pg_get_expr(c.relpartbound, c.oid))
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_inherits i ON i.inhrelid = c.oid
 WHERE c.relispartition AND c.relkind IN ('r', 'p') AND {USER_SCHEMA} AND {CLASS_NOT_EXT} ORDER BY c.oid";

/// Views and materialized views with the relations they read (for dependency order).
pub(super) const VIEWS: &str = "
SELECT c.oid,
       CASE c.relkind
         WHEN 'v' THEN format('CREATE VIEW %I.%I AS %s;', n.nspname, c.relname, rtrim(pg_catalog.pg_get_viewdef(c.oid), ';'))
         ELSE format('CREATE MATERIALIZED VIEW %I.%I AS %s WITH NO DATA;', n.nspname, c.relname, rtrim(pg_catalog.pg_get_viewdef(c.oid), ';'))
       END,
       ARRAY(SELECT DISTINCT d.refobjid FROM pg_catalog.pg_rewrite r
               JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = r.oid
              WHERE r.ev_class = c.oid AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid <> c.oid)
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('v', 'm') AND {USER_SCHEMA} AND {CLASS_NOT_EXT} ORDER BY c.oid";

/// Storage and view options set after the object exists: views' and materialized views'
/// (`check_option`, `security_barrier`, `fillfactor`, `toast.`…) and those of the indexes behind
/// primary-key, unique and exclusion constraints (`pg_get_constraintdef` leaves them out).
/// Tables get theirs in `CREATE TABLE … WITH`, other indexes in `pg_get_indexdef`.
pub(crate) const OPTIONS: &str = "
SELECT format('ALTER %s %s SET (%s);',
              CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'INDEX' END,
              c.oid::regclass, {RELOPTIONS})
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_catalog.pg_class tc ON tc.oid = c.reltoastrelid
 WHERE (c.reloptions IS NOT NULL OR tc.reloptions IS NOT NULL) AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
   AND (c.relkind IN ('v', 'm')
        OR (c.relkind = 'i' AND EXISTS (SELECT 1 FROM pg_catalog.pg_constraint co WHERE co.conindid = c.oid
                                          AND co.contype IN ('p', 'u', 'x'))))
 ORDER BY c.oid";

/// A table's replica identity (other than the default) and the index it is clustered on,
/// and a view's column defaults (an `INSERT` into the view takes them).
pub(crate) const RELATION_SETTINGS: &str = "
SELECT format('ALTER TABLE ONLY %s REPLICA IDENTITY %s;', c.oid::regclass,
              CASE c.relreplident WHEN 'f' THEN 'FULL' ELSE 'NOTHING' END)
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND c.relreplident IN ('f', 'n') AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
UNION ALL
SELECT format('ALTER TABLE ONLY %s %s %I;', c.oid::regclass, f.what, ic.relname)
  FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
  JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  CROSS JOIN LATERAL (VALUES ('REPLICA IDENTITY USING INDEX', i.indisreplident),
                             ('CLUSTER ON', i.indisclustered)) AS f(what, set)
 WHERE f.set AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
UNION ALL
SELECT format('ALTER VIEW %s ALTER COLUMN %I SET DEFAULT %s;', c.oid::regclass, a.attname,
              pg_catalog.pg_get_expr(d.adbin, d.adrelid))
  FROM pg_catalog.pg_attrdef d JOIN pg_catalog.pg_class c ON c.oid = d.adrelid
  JOIN pg_catalog.pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'v' AND {USER_SCHEMA} AND {CLASS_NOT_EXT}";

pub(crate) const INDEXES: &str = "
SELECT pg_catalog.pg_get_indexdef(i.indexrelid) || ';'
  FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'm', 'p') AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint co WHERE co.conindid = i.indexrelid
                      AND co.conrelid = i.indrelid AND co.contype IN ('p', 'u', 'x'))
 ORDER BY i.indexrelid";

/// Foreign keys; one on a partitioned table is added to the whole table (a partition's copy
/// of it, and the rows of a key that references a partitioned table, come with it).
pub(crate) const FOREIGN_KEYS: &str = "
SELECT format('ALTER TABLE %s%s ADD CONSTRAINT %I %s;', CASE c.relkind WHEN 'p' THEN '' ELSE 'ONLY ' END,
              co.conrelid::regclass, co.conname, pg_catalog.pg_get_constraintdef(co.oid))
  FROM pg_catalog.pg_constraint co JOIN pg_catalog.pg_class c ON c.oid = co.conrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE co.contype = 'f' AND co.conparentid = 0 AND {USER_SCHEMA} AND {CLASS_NOT_EXT} ORDER BY co.conrelid, co.conname";

/// Triggers, each disabled (or set to fire on replicas) as it was; one on a partitioned table
/// brings its partitions' copies.
pub(crate) const TRIGGERS: &str = "
SELECT pg_catalog.pg_get_triggerdef(tg.oid) || ';'
       || CASE tg.tgenabled WHEN 'O' THEN ''
            ELSE format(E'\nALTER TABLE ONLY %s %s TRIGGER %I;', tg.tgrelid::regclass,
                        {enabled:tg.tgenabled}, tg.tgname) END
  FROM pg_catalog.pg_trigger tg JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE NOT tg.tgisinternal AND tg.tgparentid = 0 AND {USER_SCHEMA} AND {CLASS_NOT_EXT} ORDER BY tg.oid";

/// Rules on tables and views (other than views' own `_RETURN`), after the rows (COPY fires
/// none), and disabled ones set so again.
pub(crate) const RULES: &str = "
SELECT pg_catalog.pg_get_ruledef(r.oid)
       || CASE r.ev_enabled WHEN 'O' THEN ''
            ELSE format(E'\nALTER TABLE %s %s RULE %I;', r.ev_class::regclass,
                        {enabled:r.ev_enabled}, r.rulename) END
  FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_class c ON c.oid = r.ev_class
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE r.rulename <> '_RETURN' AND {USER_SCHEMA} AND {CLASS_NOT_EXT} ORDER BY r.oid";

/// Planner settings: the statistics targets of table, materialized view and index columns,
/// columns' options (`n_distinct`…), and extended statistics objects with their targets.
pub(crate) const STATISTICS: &str = "
SELECT format('ALTER %s %s ALTER COLUMN %s SET STATISTICS %s;', {ALTER_KIND}, c.oid::regclass,
              CASE c.relkind WHEN 'i' THEN a.attnum::text ELSE quote_ident(a.attname) END, a.attstattarget)
  FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE coalesce(a.attstattarget::int, -1) >= 0 AND a.attnum > 0 AND NOT a.attisdropped
   AND c.relkind IN ('r', 'p', 'm', 'i') AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
UNION ALL
SELECT format('ALTER %s %s ALTER COLUMN %I SET (%s);', {ALTER_KIND}, c.oid::regclass, a.attname, ao.options)
  FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  CROSS JOIN LATERAL (SELECT {ATTOPTIONS} AS options) ao
 WHERE ao.options IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped
   AND c.relkind IN ('r', 'p', 'm') AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
UNION ALL
SELECT pg_catalog.pg_get_statisticsobjdef(st.oid) || ';'
       || CASE WHEN coalesce(st.stxstattarget::int, -1) >= 0
               THEN format(E'\nALTER STATISTICS %I.%I SET STATISTICS %s;', n.nspname, st.stxname, st.stxstattarget)
               ELSE '' END
  FROM pg_catalog.pg_statistic_ext st JOIN pg_catalog.pg_namespace n ON n.oid = st.stxnamespace
 WHERE {USER_SCHEMA}";

/// The `name=value` options that `options` selects (rows of a prefix and an option) as SQL
/// writes them in `WITH (…)` or `SET (…)`: `prefixname='value', …`, or NULL when none.
fn option_list(options: &str) -> String {
    format!(
        "(SELECT string_agg(format('%s%s=%L', o.prefix, split_part(o.o, '=', 1),
                                   substr(o.o, strpos(o.o, '=') + 1)), ', ')
            FROM ({options}) o)"
    )
}

/// The `ALTER` keyword for a relation `c`: a table, materialized view or index.
const ALTER_KIND: &str =
    "CASE c.relkind WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'i' THEN 'INDEX' ELSE 'TABLE ONLY' END";

/// How the columns of tables (`r`) or materialized views (`m`) store their values where
/// that differs from their type's: `SET STORAGE` and `SET COMPRESSION`, to be run before
/// any row is loaded.
pub(crate) fn column_storage(relkind: char) -> String {
    format!(
        "SELECT format('ALTER %s %s ALTER COLUMN %I SET STORAGE %s;', {{ALTER_KIND}}, c.oid::regclass, a.attname,
                      CASE a.attstorage WHEN 'p' THEN 'PLAIN' WHEN 'e' THEN 'EXTERNAL' WHEN 'm' THEN 'MAIN'
                                        ELSE 'EXTENDED' END)
           FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
           JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid
          WHERE a.attstorage <> ty.typstorage AND a.attnum > 0 AND NOT a.attisdropped
            AND c.relkind = '{relkind}' AND {{USER_SCHEMA}} AND {{CLASS_NOT_EXT}}
         UNION ALL
         SELECT format('ALTER %s %s ALTER COLUMN %I SET COMPRESSION %s;', {{ALTER_KIND}}, c.oid::regclass, a.attname,
                       CASE a.attcompression WHEN 'p' THEN 'pglz' ELSE 'lz4' END)
           FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
           JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          WHERE a.attcompression <> '' AND a.attnum > 0 AND NOT a.attisdropped
            AND c.relkind = '{relkind}' AND {{USER_SCHEMA}} AND {{CLASS_NOT_EXT}}"
    )
}

/// Row level security: each table's switch, then its policies. (The dump runs with
/// `row_security` off, so a login whose reads the policies would filter gets an error, never
/// a partial table; forced security, which filters even the owner, is refused.)
pub(crate) const ROW_SECURITY: &str = "
SELECT stmt FROM (
SELECT format('ALTER TABLE ONLY %s ENABLE ROW LEVEL SECURITY;', c.oid::regclass) AS stmt, c.oid, '' AS name
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND c.relrowsecurity AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
UNION ALL
SELECT CASE WHEN 0 = ANY (pol.polroles) THEN stmt
            ELSE format('DO %L;', format(
              'DECLARE r text := (SELECT string_agg(quote_ident(x), %L ORDER BY i) FROM unnest(%L::text[]) WITH ORDINALITY u(x, i)
                                   WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = x));
               BEGIN IF r IS NOT NULL THEN EXECUTE format(%L, r); END IF; IF r IS DISTINCT FROM %L THEN %s END IF; END',
              ', ', names, replace(head, '%', '%%') || '%s' || replace(tail, '%', '%%'), roles, {REMEMBER_NOT_GRANTED}))
       END, c.oid, pol.polname
  FROM pg_catalog.pg_policy pol JOIN pg_catalog.pg_class c ON c.oid = pol.polrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  CROSS JOIN LATERAL (
    SELECT format('CREATE POLICY %I ON %s AS %s FOR %s TO ', pol.polname, c.oid::regclass,
                  CASE WHEN pol.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END,
                  CASE pol.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                                  WHEN 'd' THEN 'DELETE' ELSE 'ALL' END) AS head,
           (SELECT string_agg(CASE WHEN r = 0 THEN 'PUBLIC' ELSE quote_ident(pg_catalog.pg_get_userbyid(r)) END,
                              ', ' ORDER BY r)
              FROM unnest(pol.polroles) r) AS roles,
           ARRAY(SELECT pg_catalog.pg_get_userbyid(r) FROM unnest(pol.polroles) r ORDER BY r)::text AS names,
           concat(' USING (' || pg_catalog.pg_get_expr(pol.polqual, pol.polrelid) || ')',
                  ' WITH CHECK (' || pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid) || ')') || ';' AS tail) p
  CROSS JOIN LATERAL (SELECT head || roles || tail AS stmt) w
 WHERE {USER_SCHEMA} AND {CLASS_NOT_EXT}
) s ORDER BY oid, name";

pub(crate) const REFRESH: &str = "
SELECT format('REFRESH MATERIALIZED VIEW %I.%I;', n.nspname, c.relname)
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'm' AND c.relispopulated AND {USER_SCHEMA} AND {CLASS_NOT_EXT} ORDER BY c.oid";

/// Comments on the shop's tables, views, materialized views, sequences (not an identity's,
/// whose name the server picks), indexes (not a partition's copy), columns, types,
/// routines, constraints, triggers and schemas (other than `public`).
pub(crate) const COMMENTS: &str = "
SELECT format('COMMENT ON %s %s IS %L;',
              CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'
                             WHEN 'i' THEN 'INDEX' WHEN 'I' THEN 'INDEX' ELSE 'TABLE' END,
              c.oid::regclass, d.description)
  FROM pg_catalog.pg_description d JOIN pg_catalog.pg_class c ON c.oid = d.objoid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE d.classoid = 'pg_catalog.pg_class'::regclass AND d.objsubid = 0
   AND (c.relkind IN ('r', 'p', 'v', 'm')
        OR (c.relkind IN ('i', 'I') AND (NOT c.relispartition
                                        OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint co WHERE co.conindid = c.oid)))
        OR (c.relkind = 'S' AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend i WHERE i.classid = 'pg_catalog.pg_class'::regclass
                                                AND i.objid = c.oid AND i.deptype = 'i')))
   AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
UNION ALL
SELECT format('COMMENT ON COLUMN %s.%I IS %L;', c.oid::regclass, a.attname, d.description)
  FROM pg_catalog.pg_description d JOIN pg_catalog.pg_class c ON c.oid = d.objoid
  JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE d.classoid = 'pg_catalog.pg_class'::regclass AND d.objsubid > 0 AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
UNION ALL
SELECT format('COMMENT ON TYPE %I.%I IS %L;', n.nspname, t.typname, d.description)
  FROM pg_catalog.pg_description d JOIN pg_catalog.pg_type t ON t.oid = d.objoid
  JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
 WHERE d.classoid = 'pg_catalog.pg_type'::regclass AND {USER_SCHEMA} AND {TYPE_NOT_EXT}
UNION ALL
SELECT format('COMMENT ON %s %s IS %L;', CASE p.prokind WHEN 'a' THEN 'AGGREGATE' ELSE 'ROUTINE' END,
              {ROUTINE_SIGNATURE}, d.description)
  FROM pg_catalog.pg_description d JOIN pg_catalog.pg_proc p ON p.oid = d.objoid
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE d.classoid = 'pg_catalog.pg_proc'::regclass AND p.prokind IN ('f', 'p', 'a') AND {USER_SCHEMA} AND {PROC_NOT_EXT}
UNION ALL
SELECT format('COMMENT ON CONSTRAINT %I ON %s IS %L;', co.conname, c.oid::regclass, d.description)
  FROM pg_catalog.pg_description d JOIN pg_catalog.pg_constraint co ON co.oid = d.objoid
  JOIN pg_catalog.pg_class c ON c.oid = co.conrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE d.classoid = 'pg_catalog.pg_constraint'::regclass AND co.conparentid = 0 AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
UNION ALL
SELECT format('COMMENT ON CONSTRAINT %I ON DOMAIN %I.%I IS %L;', co.conname, n.nspname, t.typname, d.description)
  FROM pg_catalog.pg_description d JOIN pg_catalog.pg_constraint co ON co.oid = d.objoid
  JOIN pg_catalog.pg_type t ON t.oid = co.contypid JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
 WHERE d.classoid = 'pg_catalog.pg_constraint'::regclass AND {USER_SCHEMA} AND {TYPE_NOT_EXT}
UNION ALL
SELECT format('COMMENT ON TRIGGER %I ON %s IS %L;', tg.tgname, c.oid::regclass, d.description)
  FROM pg_catalog.pg_description d JOIN pg_catalog.pg_trigger tg ON tg.oid = d.objoid
  JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE d.classoid = 'pg_catalog.pg_trigger'::regclass AND NOT tg.tgisinternal AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
UNION ALL
SELECT format('COMMENT ON SCHEMA %I IS %L;', n.nspname, d.description)
  FROM pg_catalog.pg_description d JOIN pg_catalog.pg_namespace n ON n.oid = d.objoid
 WHERE d.classoid = 'pg_catalog.pg_namespace'::regclass AND {USER_SCHEMA} AND n.nspname <> 'public'
UNION ALL
SELECT format('COMMENT ON COLLATION %I.%I IS %L;', n.nspname, co.collname, d.description)
  FROM pg_catalog.pg_description d JOIN pg_catalog.pg_collation co ON co.oid = d.objoid
  JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace
 WHERE d.classoid = 'pg_catalog.pg_collation'::regclass AND {USER_SCHEMA} AND {not_ext:pg_collation:co.oid}
UNION ALL
SELECT format('COMMENT ON TEXT SEARCH DICTIONARY %I.%I IS %L;', n.nspname, td.dictname, d.description)
  FROM pg_catalog.pg_description d JOIN pg_catalog.pg_ts_dict td ON td.oid = d.objoid
  JOIN pg_catalog.pg_namespace n ON n.oid = td.dictnamespace
 WHERE d.classoid = 'pg_catalog.pg_ts_dict'::regclass AND {USER_SCHEMA} AND {not_ext:pg_ts_dict:td.oid}
UNION ALL
SELECT format('COMMENT ON TEXT SEARCH CONFIGURATION %I.%I IS %L;', n.nspname, cf.cfgname, d.description)
  FROM pg_catalog.pg_description d JOIN pg_catalog.pg_ts_config cf ON cf.oid = d.objoid
  JOIN pg_catalog.pg_namespace n ON n.oid = cf.cfgnamespace
 WHERE d.classoid = 'pg_catalog.pg_ts_config'::regclass AND {USER_SCHEMA} AND {not_ext:pg_ts_config:cf.oid}
UNION ALL
SELECT format('COMMENT ON STATISTICS %I.%I IS %L;', n.nspname, st.stxname, d.description)
  FROM pg_catalog.pg_description d JOIN pg_catalog.pg_statistic_ext st ON st.oid = d.objoid
  JOIN pg_catalog.pg_namespace n ON n.oid = st.stxnamespace
 WHERE d.classoid = 'pg_catalog.pg_statistic_ext'::regclass AND {USER_SCHEMA}
UNION ALL
SELECT format('COMMENT ON RULE %I ON %s IS %L;', r.rulename, c.oid::regclass, d.description)
  FROM pg_catalog.pg_description d JOIN pg_catalog.pg_rewrite r ON r.oid = d.objoid
  JOIN pg_catalog.pg_class c ON c.oid = r.ev_class JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE d.classoid = 'pg_catalog.pg_rewrite'::regclass AND r.rulename <> '_RETURN' AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
UNION ALL
SELECT format('COMMENT ON POLICY %I ON %s IS %L;', po.polname, c.oid::regclass, d.description)
  FROM pg_catalog.pg_description d JOIN pg_catalog.pg_policy po ON po.oid = d.objoid
  JOIN pg_catalog.pg_class c ON c.oid = po.polrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE d.classoid = 'pg_catalog.pg_policy'::regclass AND {USER_SCHEMA} AND {CLASS_NOT_EXT}";

/// What the dump makes that has an owner of its own: the owner, the owner of its schema
/// (none for a schema), the kind of object as `ALTER` names it, its name, an order of
/// kinds, its oid. A sequence a table owns, an index and a table's row type go with their
/// table.
const OWNED: &str = "
SELECT n.nspowner AS owner, NULL::oid AS space_owner, 'SCHEMA' AS what, quote_ident(n.nspname) AS name,
       0 AS kind, n.oid
  FROM pg_catalog.pg_namespace n WHERE {USER_SCHEMA} AND n.nspname <> 'public'
UNION ALL
SELECT co.collowner, n.nspowner, 'COLLATION', format('%I.%I', n.nspname, co.collname), 1, co.oid
  FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace
 WHERE {USER_SCHEMA} AND {not_ext:pg_collation:co.oid}
UNION ALL
SELECT d.dictowner, n.nspowner, 'TEXT SEARCH DICTIONARY', format('%I.%I', n.nspname, d.dictname), 2, d.oid
  FROM pg_catalog.pg_ts_dict d JOIN pg_catalog.pg_namespace n ON n.oid = d.dictnamespace
 WHERE {USER_SCHEMA} AND {not_ext:pg_ts_dict:d.oid}
UNION ALL
SELECT cf.cfgowner, n.nspowner, 'TEXT SEARCH CONFIGURATION', format('%I.%I', n.nspname, cf.cfgname), 3, cf.oid
  FROM pg_catalog.pg_ts_config cf JOIN pg_catalog.pg_namespace n ON n.oid = cf.cfgnamespace
 WHERE {USER_SCHEMA} AND {not_ext:pg_ts_config:cf.oid}
UNION ALL
SELECT t.typowner, n.nspowner, CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, t.oid::regtype::text, 4, t.oid
  FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
 WHERE {STANDALONE_TYPE} AND {USER_SCHEMA} AND {TYPE_NOT_EXT}
UNION ALL
SELECT p.proowner, n.nspowner, CASE p.prokind WHEN 'a' THEN 'AGGREGATE' ELSE 'ROUTINE' END, {ROUTINE_SIGNATURE},
       5, p.oid
  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE p.prokind IN ('f', 'p', 'a') AND {USER_SCHEMA} AND {PROC_NOT_EXT}
UNION ALL
SELECT c.relowner, n.nspowner, CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                             WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
       c.oid::regclass::text, 6, c.oid
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
   AND (c.relkind <> 'S' OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                                         WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
                                           AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.deptype IN ('a', 'i')))
UNION ALL
SELECT st.stxowner, n.nspowner, 'STATISTICS', format('%I.%I', n.nspname, st.stxname), 7, st.oid
  FROM pg_catalog.pg_statistic_ext st JOIN pg_catalog.pg_namespace n ON n.oid = st.stxnamespace
 WHERE {USER_SCHEMA}
";

/// Who owns what the dump makes, where that is not the backup's login: one `DO` block that
/// gives each object back to its owner where the restoring login may (it is, or may act
/// as, that role, and the role may create in the object's schema); where it may not, or
/// no role of that name exists (another server), the restoring login keeps the object, and
/// the session setting [`NOT_GIVEN`] lists it ("table public.x (role); …").
/// Comes before the grants on objects (after those on schemas, which the new owner may
/// need), so a member of the owning role gives them in the owner's name.
pub(crate) const OWNERS: &str = "
SELECT format('DO %L;', 'BEGIN ' || string_agg(
         format('BEGIN ALTER %s %s OWNER TO %I; EXCEPTION WHEN insufficient_privilege OR undefined_object THEN %s END;',
                what, name, pg_catalog.pg_get_userbyid(owner), {REMEMBER_NOT_GIVEN}),
         ' ' ORDER BY kind, oid) || ' END')
  FROM ({OWNED}) o
 WHERE owner <> (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user)
HAVING count(*) > 0";

/// The session setting in which a restore finds the objects it could not give back.
pub(crate) const NOT_GIVEN: &str = "shopsafe.not_given";

/// The session setting in which a restore finds the grants it left out.
pub(crate) const NOT_GRANTED: &str = "shopsafe.not_granted";

/// The session setting in which a restore finds the database settings it could not make.
pub(crate) const NOT_SET: &str = "shopsafe.not_set";

/// The database's own settings (`ALTER DATABASE … SET`, as a site's `search_path` or
/// `TimeZone`), for the end of the dump: one `DO` block that clears the restored database's
/// own (those the login may clear: it must own the database), then makes each, in the database the dump is loaded
/// into. Each is given to the session for a moment and stored `FROM CURRENT`, so the server
/// quotes it as it parsed it (a list such as a `search_path` stays a list); one the login may
/// not make is left out and listed in the session setting [`NOT_SET`].
pub(crate) const DATABASE_SETTINGS: &str = "
SELECT format('DO %L;', 'DECLARE was text; BEGIN BEGIN EXECUTE pg_catalog.format(''ALTER DATABASE %I RESET ALL'', pg_catalog.current_database());
                               EXCEPTION WHEN insufficient_privilege THEN NULL; END; '
       || coalesce(string_agg(format('BEGIN was := pg_catalog.current_setting(%L, true); PERFORM pg_catalog.set_config(%L, %L, true);
                                      EXECUTE pg_catalog.format(%L, pg_catalog.current_database(), %L);
                                      PERFORM pg_catalog.set_config(%L, coalesce(was, %L), true);
                                      EXCEPTION WHEN OTHERS THEN %s END;',
                                     x.name, x.name, x.value, 'ALTER DATABASE %I SET %I FROM CURRENT', x.name, x.name, '',
                                     {REMEMBER_NOT_SET}), ' ' ORDER BY x.ord), '')
       || ' END')
  FROM (SELECT split_part(u.s, '=', 1) AS name, substr(u.s, strpos(u.s, '=') + 1) AS value, u.s AS setting, u.ord
          FROM pg_catalog.pg_db_role_setting r, unnest(r.setconfig) WITH ORDINALITY AS u(s, ord)
         WHERE r.setrole = 0
           AND r.setdatabase = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())) x";

/// The text of a statement (for a `DO` block's exception handler) that adds what the SQL
/// expression `what` says to the session setting `setting`, `; ` between entries.
fn remember(setting: &str, what: &str) -> String {
    format!(
        "format('PERFORM pg_catalog.set_config(%L, concat_ws(%L, nullif(pg_catalog.current_setting(%L, true), %L), %L), false);',
                '{setting}', '; ', '{setting}', '', {what})"
    )
}

/// The objects a restore with the login could not drop, `(role, object)`: owned by a role
/// whose rights it does not have, in a schema owned by such a role too (a schema's owner
/// may drop what is in it; schemas themselves are kept, not dropped).
pub(crate) const NOT_REPLACEABLE: &str = "
SELECT pg_catalog.pg_get_userbyid(owner), format('%s %s', lower(what), name)
  FROM ({OWNED}) o
 WHERE kind > 0 AND NOT pg_catalog.pg_has_role(current_user, owner, 'USAGE')
   AND NOT pg_catalog.pg_has_role(current_user, space_owner, 'USAGE')
 ORDER BY kind, oid";

/// How `ALTER`, `COMMENT ON` and the like name a routine or aggregate `p` (of schema `n`):
/// its name and argument types, `*` for an aggregate of no argument (`count(*)`), and
/// `… ORDER BY …` for an ordered-set aggregate.
const ROUTINE_SIGNATURE: &str = "format('%I.%I(%s)', n.nspname, p.proname,
       CASE WHEN p.prokind = 'a' AND p.pronargs = 0 THEN '*' ELSE pg_catalog.pg_get_function_identity_arguments(p.oid) END)";

/// The grants of [`GRANT_ROWS`] whose kind is `$kind` (`"= 0"`, `"> 0"`), in one `DO` block
/// that skips a grant to a role missing where the dump is restored (another server), as
/// the owners' block does, listing it in the session setting [`NOT_GRANTED`].
macro_rules! grants_of_kind {
    ($kind:literal) => {
        concat!(
            "SELECT format('DO %L;', 'BEGIN ' || string_agg(format('BEGIN %s EXCEPTION WHEN undefined_object THEN %s END;', stmt, {REMEMBER_NOT_GRANTED}),
                                                   ' ' ORDER BY kind, oid, grantee, privilege_type) || ' END')
               FROM ({GRANT_ROWS}) g WHERE kind ",
            $kind,
            " HAVING count(*) > 0"
        )
    };
}

/// Access other roles have been granted on the shop's schemas: before the owners (a role
/// may be given only objects in a schema it may create in).
pub(crate) const SCHEMA_GRANTS: &str = grants_of_kind!("= 0");

/// Access other roles have been granted on the shop's tables, views, sequences (and
/// columns), types and routines: after the owners, so a member of the owning role gives
/// them in the owner's name.
pub(crate) const GRANTS: &str = grants_of_kind!("> 0");

/// The grants of [`SCHEMA_GRANTS`] (kind 0) and [`GRANTS`] (kinds 1 to 3), and the access
/// every role has by default to types, routines and the schema `public` where it was
/// taken away.
const GRANT_ROWS: &str = "
WITH objects AS (
SELECT 'TYPE' AS what, 'USAGE' AS privilege, t.oid, t.oid::regtype::text AS name, t.typacl AS acl,
       t.typowner AS owner, 2 AS kind
  FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
 WHERE t.typacl IS NOT NULL AND {STANDALONE_TYPE} AND {USER_SCHEMA} AND {TYPE_NOT_EXT}
UNION ALL
SELECT 'ROUTINE', 'EXECUTE', p.oid, p.oid::regprocedure::text, p.proacl, p.proowner, 3
  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE p.proacl IS NOT NULL AND p.prokind IN ('f', 'p', 'a') AND {USER_SCHEMA} AND {PROC_NOT_EXT}
)
SELECT format('%sGRANT %s ON %s %s TO %s%s;%s', {if_known:a.privilege_type}, a.privilege_type,
              CASE c.relkind WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, c.oid::regclass, {GRANTEE},
              {end_if_known:a.privilege_type}) AS stmt, 1 AS kind, c.oid, a.grantee, a.privilege_type
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  CROSS JOIN LATERAL pg_catalog.aclexplode(c.relacl) a
 WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND c.relacl IS NOT NULL AND a.grantee <> c.relowner
   AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
UNION ALL
SELECT format('GRANT %s (%I) ON TABLE %s TO %s%s;', a.privilege_type, att.attname, c.oid::regclass, {GRANTEE}),
       1, c.oid, a.grantee, a.privilege_type
  FROM pg_catalog.pg_attribute att JOIN pg_catalog.pg_class c ON c.oid = att.attrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  CROSS JOIN LATERAL pg_catalog.aclexplode(att.attacl) a
 WHERE att.attacl IS NOT NULL AND att.attnum > 0 AND NOT att.attisdropped AND a.grantee <> c.relowner
   AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
UNION ALL
SELECT format('GRANT %s ON SCHEMA %I TO %s%s;', a.privilege_type, n.nspname, {GRANTEE}), 0, n.oid, a.grantee, a.privilege_type
  FROM pg_catalog.pg_namespace n CROSS JOIN LATERAL pg_catalog.aclexplode(n.nspacl) a
 WHERE n.nspacl IS NOT NULL AND a.grantee <> n.nspowner AND {USER_SCHEMA}
UNION ALL
SELECT 'REVOKE USAGE ON SCHEMA public FROM PUBLIC;', 0, n.oid, 0, ''
  FROM pg_catalog.pg_namespace n
 WHERE n.nspname = 'public' AND n.nspacl IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.aclexplode(n.nspacl) a WHERE a.grantee = 0 AND a.privilege_type = 'USAGE')
UNION ALL
SELECT format('REVOKE %s ON %s %s FROM PUBLIC;', o.privilege, o.what, o.name), o.kind, o.oid, 0, ''
  FROM objects o WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.aclexplode(o.acl) a WHERE a.grantee = 0)
UNION ALL
SELECT format('GRANT %s ON %s %s TO %s%s;', o.privilege, o.what, o.name, {GRANTEE}), o.kind, o.oid, a.grantee, ''
  FROM objects o CROSS JOIN LATERAL pg_catalog.aclexplode(o.acl) a WHERE a.grantee NOT IN (0, o.owner)";

/// `GRANT`'s role and grant option for a row `a` of `aclexplode`.
const GRANTEE: &str = "CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_catalog.pg_get_userbyid(a.grantee)) END,
              CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END";

/// A type `t` the shop created on its own: an enum, a range, a domain or a composite type (not a
/// table's row type, nor an array type).
const STANDALONE_TYPE: &str = "(t.typtype IN ('e', 'r', 'd')
    OR (t.typtype = 'c' AND (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid) = 'c'))";

/// One `DO` block that runs `$change` (a fragment of statements for a row `d` of
/// `pg_default_acl`) for every row of the database's or the shop's schemas' default
/// privileges, skipping those the login may not change (it is not, and may not act as,
/// that role), and those naming a missing role, which `$missing` (an expression over the
/// row's statements, `stmt`) handles.
macro_rules! for_default_privileges {
    ($change:literal, $missing:literal) => {
        concat!(
            "SELECT format('DO %L;', 'BEGIN ' || string_agg(format('BEGIN %s EXCEPTION WHEN insufficient_privilege THEN NULL; WHEN undefined_object THEN %s END;',
                                                                  x.stmt, ",
            $missing,
            "), ' ' ORDER BY d.oid) || ' END')
               FROM pg_catalog.pg_default_acl d CROSS JOIN LATERAL (SELECT btrim(",
            $change,
            ") AS stmt) x
              WHERE d.defaclobjtype <> 'L' AND {DEFAULT_ACL_SCHEMA}
             HAVING count(*) > 0"
        )
    };
}

/// The database's default privileges (`ALTER DEFAULT PRIVILEGES`), made as they were, for
/// the end of the dump: once every object exists, so none applies to what the dump makes.
/// Those naming a role missing where the dump is restored are listed as grants are.
pub(crate) const DEFAULT_PRIVILEGES: &str =
    for_default_privileges!("{SET_DEFAULT_ACL}", "{REMEMBER_NOT_GRANTED}");

/// What a restore runs before anything is made: the live database's default privileges
/// set back to the server's own (where the login may), so the objects the dump makes get
/// exactly the access the dump gives them, not what default privileges added or took
/// away; the dump's [`DEFAULT_PRIVILEGES`] then brings back the backup's.
pub(crate) const RESET_DEFAULT_PRIVILEGES: &str =
    for_default_privileges!("{RESET_DEFAULT_ACL}", "'NULL;'");

/// A default privileges row `d` that is the whole database's or one of the shop's schemas'.
const DEFAULT_ACL_SCHEMA: &str = "(d.defaclnamespace = 0 OR d.defaclnamespace IN (
    SELECT n.oid FROM pg_catalog.pg_namespace n WHERE {USER_SCHEMA}))";

/// The statements that turn the default privileges of a row `d` from those `from` holds into
/// those `to` holds, only what differs (so a privilege one server version has and another
/// lacks, as `MAINTAIN`, is never named unless granted beyond the default): `ALTER DEFAULT
/// PRIVILEGES FOR ROLE … [IN SCHEMA …] REVOKE` each privilege of `from` not in `to`, then
/// `GRANT` each of `to` not in `from`.
fn change_default_acl(from: &str, to: &str) -> String {
    format!(
        "(SELECT coalesce(string_agg(format('%s%s REVOKE %s ON %s FROM %s;%s', {{if_known:f.privilege_type}},
                                            {{ALTER_DEFAULT}}, f.privilege_type, {{DEFAULT_OBJECTS}}, {{GRANTEE_F}},
                                            {{end_if_known:f.privilege_type}}), ' '), '')
            FROM pg_catalog.aclexplode({from}) f
           WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.aclexplode({to}) t WHERE t.grantee = f.grantee
                                AND t.privilege_type = f.privilege_type AND t.is_grantable = f.is_grantable))
         || ' ' ||
         (SELECT coalesce(string_agg(format('%s%s GRANT %s ON %s TO %s%s;%s', {{if_known:a.privilege_type}},
                                            {{ALTER_DEFAULT}}, a.privilege_type, {{DEFAULT_OBJECTS}}, {{GRANTEE}},
                                            {{end_if_known:a.privilege_type}}), ' '), '')
            FROM pg_catalog.aclexplode({to}) a
           WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.aclexplode({from}) f WHERE f.grantee = a.grantee
                                AND f.privilege_type = a.privilege_type AND f.is_grantable = a.is_grantable))"
    )
}

/// What a row `d` of `pg_default_acl` starts from: the server's default access for the
/// role's objects of that kind (the whole database's row), or nothing more (a schema's).
const BUILT_IN_DEFAULT_ACL: &str = "CASE WHEN d.defaclnamespace = 0
    THEN pg_catalog.acldefault(CASE d.defaclobjtype WHEN 'S' THEN 's' ELSE d.defaclobjtype END, d.defaclrole)
    ELSE NULL END";

/// The shop's objects other than its tables, as `kind schema.name`: those a restore drops
/// and makes again (see [`DROPS`]), for the manifest and a restore's plan.
pub(crate) const OBJECT_NAMES: &str = "
SELECT format('%s %s', kind, name) AS object FROM (
SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' ELSE 'sequence' END AS kind,
       format('%I.%I', n.nspname, c.relname) AS name
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('v', 'm', 'S') AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::regclass
                      AND d.objid = c.oid AND d.deptype IN ('i', 'a') AND d.refobjid <> c.oid)
UNION ALL
SELECT CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END,
       p.oid::regprocedure::text
  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE p.prokind IN ('f', 'p', 'a') AND {USER_SCHEMA} AND {PROC_NOT_EXT}
UNION ALL
SELECT CASE t.typtype WHEN 'd' THEN 'domain' ELSE 'type' END, format('%I.%I', n.nspname, t.typname)
  FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
 WHERE {STANDALONE_TYPE} AND {USER_SCHEMA} AND {TYPE_NOT_EXT}
UNION ALL
SELECT 'text search configuration', format('%I.%I', n.nspname, c.cfgname)
  FROM pg_catalog.pg_ts_config c JOIN pg_catalog.pg_namespace n ON n.oid = c.cfgnamespace
 WHERE {USER_SCHEMA} AND {not_ext:pg_ts_config:c.oid}
UNION ALL
SELECT 'text search dictionary', format('%I.%I', n.nspname, d.dictname)
  FROM pg_catalog.pg_ts_dict d JOIN pg_catalog.pg_namespace n ON n.oid = d.dictnamespace
 WHERE {USER_SCHEMA} AND {not_ext:pg_ts_dict:d.oid}
UNION ALL
SELECT 'collation', format('%I.%I', n.nspname, co.collname)
  FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace
 WHERE {USER_SCHEMA} AND {not_ext:pg_collation:co.oid}
) o ORDER BY format('%s %s', kind, name) COLLATE \"C\"";

/// The shop's tables and sequences the login may not read, `(kind, name, owner)`: no
/// backup it takes holds them, so a restore, which drops the shop's tables and sequences
/// first, must leave them be.
pub(crate) const UNREADABLE: &str = "
SELECT CASE c.relkind WHEN 'S' THEN 'sequence' ELSE 'table' END,
       n.nspname || '.' || c.relname, pg_catalog.pg_get_userbyid(c.relowner)
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p', 'S') AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
   AND NOT pg_catalog.has_table_privilege(c.oid, 'SELECT')
 ORDER BY 1 DESC, 2";

/// What a restore drops first: the shop's own views, tables, sequences, functions, types,
/// text search configurations and dictionaries, and collations.
pub(crate) const DROPS: &str = "
SELECT stmt FROM (
SELECT format('DROP %s IF EXISTS %I.%I CASCADE;',
              CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
              n.nspname, c.relname) AS stmt,
       CASE c.relkind WHEN 'v' THEN 1 WHEN 'm' THEN 1 WHEN 'S' THEN 3 ELSE 2 END AS step
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('v', 'm', 'r', 'p', 'S') AND {USER_SCHEMA} AND {CLASS_NOT_EXT}
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::regclass
                      AND d.objid = c.oid AND d.deptype IN ('i', 'a') AND d.refobjid <> c.oid)
UNION ALL
SELECT format('DROP ROUTINE IF EXISTS %s CASCADE;', p.oid::regprocedure), 4
  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE p.prokind IN ('f', 'p', 'a') AND {USER_SCHEMA} AND {PROC_NOT_EXT}
UNION ALL
SELECT format('DROP %s IF EXISTS %I.%I CASCADE;', CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END,
              n.nspname, t.typname), 5
  FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
 WHERE {STANDALONE_TYPE}
   AND {USER_SCHEMA} AND {TYPE_NOT_EXT}
UNION ALL
SELECT format('DROP TEXT SEARCH CONFIGURATION IF EXISTS %I.%I CASCADE;', n.nspname, c.cfgname), 6
  FROM pg_catalog.pg_ts_config c JOIN pg_catalog.pg_namespace n ON n.oid = c.cfgnamespace
 WHERE {USER_SCHEMA} AND {not_ext:pg_ts_config:c.oid}
UNION ALL
SELECT format('DROP TEXT SEARCH DICTIONARY IF EXISTS %I.%I CASCADE;', n.nspname, d.dictname), 7
  FROM pg_catalog.pg_ts_dict d JOIN pg_catalog.pg_namespace n ON n.oid = d.dictnamespace
 WHERE {USER_SCHEMA} AND {not_ext:pg_ts_dict:d.oid}
UNION ALL
SELECT format('DROP COLLATION IF EXISTS %I.%I CASCADE;', n.nspname, co.collname), 6
  FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace
 WHERE {USER_SCHEMA} AND {not_ext:pg_collation:co.oid}
) drops ORDER BY step, stmt";
