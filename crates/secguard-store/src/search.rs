//! Full-text search (SQLite FTS5, BM25 ranking) for retrieval: the
//! knowledge base's guidelines and CWE entries, and the reviewers' memories.
//!
//! The index lives in an in-memory database built when a process needs it:
//! the knowledge base is embedded in the binary and memories change with
//! every review, so a persistent copy would only add invalidation. Building
//! it for the whole knowledge base takes milliseconds.

use crate::{StoreError, StoreResult};
use rusqlite::{Connection, params_from_iter};
use std::sync::{Mutex, PoisonError};

/// One searchable document.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IndexDoc {
    /// Unique: `guideline:py-sql-bound-parameters`, `CWE-89`, `memory:12`.
    pub key: String,
    /// What kind of document: `guideline`, `cwe`, `memory`; searches are
    /// per source so that each source gets its own top-k.
    pub source: String,
    pub title: String,
    /// When it applies, in a task's words; ranked just below the title.
    pub precondition: String,
    pub body: String,
    /// `python`, `c`, `cpp`; empty means every language.
    pub languages: Vec<String>,
    pub cwes: Vec<u32>,
}

/// A search over one source.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchQuery<'a> {
    pub text: &'a str,
    pub source: &'a str,
    /// Only documents for this language (or for every language).
    pub language: Option<&'a str>,
    /// Only documents naming at least one of these CWEs (none: no filter).
    pub cwes: &'a [u32],
    pub limit: usize,
}

/// A document that matched, with its BM25 score (higher is better).
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub key: String,
    pub score: f64,
}

/// Words too common in task descriptions to tell documents apart.
const STOPWORDS: &[&str] = &[
    "a",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "by",
    "can",
    "code",
    "do",
    "does",
    "for",
    "from",
    "function",
    "generate",
    "given",
    "has",
    "have",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "let",
    "make",
    "of",
    "on",
    "one",
    "or",
    "program",
    "that",
    "the",
    "then",
    "this",
    "to",
    "uses",
    "using",
    "was",
    "which",
    "will",
    "with",
    "write",
    "you",
    "your",
    "language",
    "following",
    "should",
    "must",
    "method",
    "class",
    "implement",
    "create",
    "return",
    "returns",
    "takes",
    "called",
    "named",
    "name",
    "first",
    "second",
    "then",
    "when",
    "where",
    "what",
    "there",
];

/// The words of `text` worth searching for, lowercased, each once.
pub fn query_terms(text: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| w.chars().count() >= 2 && !STOPWORDS.contains(&w.as_str()))
    {
        // Porter stemming keeps adverbs apart from their adjectives
        // ("randomly" is not "random"); search for both.
        if let Some(base) = word.strip_suffix("ly").filter(|b| b.chars().count() >= 4)
            && !terms.iter().any(|t| t == base)
        {
            terms.push(base.to_string());
        }
        if !terms.contains(&word) {
            terms.push(word);
        }
    }
    terms
}

/// An FTS5 query matching any of the terms; each is quoted so no word is
/// read as an operator (`OR`, `NEAR`, a column filter).
fn match_expression(terms: &[String]) -> String {
    terms
        .iter()
        .map(|t| format!("\"{}\"", t.replace('"', "")))
        .collect::<Vec<_>>()
        .join(" OR ")
}

pub struct SearchIndex {
    conn: Mutex<Connection>,
}

fn sql_error(e: rusqlite::Error) -> StoreError {
    StoreError::Invalid(format!("search index: {e}"))
}

impl SearchIndex {
    /// An empty index in memory.
    pub fn in_memory() -> StoreResult<SearchIndex> {
        let conn = Connection::open_in_memory().map_err(sql_error)?;
        conn.execute_batch(
            "CREATE TABLE docs (
                 id INTEGER PRIMARY KEY,
                 key TEXT NOT NULL UNIQUE,
                 source TEXT NOT NULL,
                 languages TEXT NOT NULL,
                 cwes TEXT NOT NULL
             );
             CREATE VIRTUAL TABLE docs_fts USING fts5(
                 title, precondition, body,
                 tokenize = 'porter unicode61 remove_diacritics 2'
             );",
        )
        .map_err(sql_error)?;
        Ok(SearchIndex {
            conn: Mutex::new(conn),
        })
    }

    /// Add documents (a document with a key already present replaces it).
    pub fn add(&self, docs: &[IndexDoc]) -> StoreResult<()> {
        let mut conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        let tx = conn.transaction().map_err(sql_error)?;
        {
            let mut old = tx
                .prepare("SELECT id FROM docs WHERE key = ?1")
                .map_err(sql_error)?;
            let mut insert = tx
                .prepare("INSERT INTO docs (key, source, languages, cwes) VALUES (?1, ?2, ?3, ?4)")
                .map_err(sql_error)?;
            let mut insert_text = tx
                .prepare(
                    "INSERT INTO docs_fts (rowid, title, precondition, body) \
                     VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(sql_error)?;
            for d in docs {
                let existing: Option<i64> = old
                    .query_row([&d.key], |r| r.get(0))
                    .map(Some)
                    .or_else(|e| match e {
                        rusqlite::Error::QueryReturnedNoRows => Ok(None),
                        e => Err(e),
                    })
                    .map_err(sql_error)?;
                if let Some(id) = existing {
                    tx.execute("DELETE FROM docs WHERE id = ?1", [id])
                        .map_err(sql_error)?;
                    tx.execute("DELETE FROM docs_fts WHERE rowid = ?1", [id])
                        .map_err(sql_error)?;
                }
                // Padded with spaces so `LIKE '% c %'` matches whole items.
                let languages = format!(" {} ", d.languages.join(" "));
                let cwes = format!(
                    " {} ",
                    d.cwes
                        .iter()
                        .map(u32::to_string)
                        .collect::<Vec<_>>()
                        .join(" ")
                );
                insert
                    .execute(rusqlite::params![d.key, d.source, languages, cwes])
                    .map_err(sql_error)?;
                let id = tx.last_insert_rowid();
                insert_text
                    .execute(rusqlite::params![id, d.title, d.precondition, d.body])
                    .map_err(sql_error)?;
            }
        }
        tx.commit().map_err(sql_error)
    }

    /// The best matches, best first. A query without a searchable word
    /// matches nothing.
    pub fn search(&self, q: &SearchQuery<'_>) -> StoreResult<Vec<Hit>> {
        let terms = query_terms(q.text);
        if terms.is_empty() || q.limit == 0 {
            return Ok(Vec::new());
        }
        let mut sql = String::from(
            "SELECT d.key, -bm25(docs_fts, 4.0, 3.0, 1.0) AS score \
             FROM docs_fts JOIN docs d ON d.id = docs_fts.rowid \
             WHERE docs_fts MATCH ? AND d.source = ?",
        );
        let mut values: Vec<String> = vec![match_expression(&terms), q.source.to_string()];
        if let Some(lang) = q.language {
            sql.push_str(" AND (d.languages = '  ' OR d.languages LIKE ?)");
            values.push(format!("% {lang} %"));
        }
        if !q.cwes.is_empty() {
            let any: Vec<&str> = q.cwes.iter().map(|_| "d.cwes LIKE ?").collect();
            sql.push_str(&format!(" AND ({})", any.join(" OR ")));
            values.extend(q.cwes.iter().map(|c| format!("% {c} %")));
        }
        sql.push_str(" ORDER BY score DESC, d.key LIMIT ?");
        values.push(q.limit.to_string());
        let conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        let mut stmt = conn.prepare_cached(&sql).map_err(sql_error)?;
        let hits = stmt
            .query_map(params_from_iter(values.iter()), |r| {
                Ok(Hit {
                    key: r.get(0)?,
                    score: r.get(1)?,
                })
            })
            .map_err(sql_error)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(sql_error)?;
        Ok(hits)
    }

    /// How many documents of `source` are indexed.
    pub fn count(&self, source: &str) -> StoreResult<usize> {
        let conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        let n: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM docs WHERE source = ?1",
                [source],
                |r| r.get(0),
            )
            .map_err(sql_error)?;
        Ok(usize::try_from(n).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn doc(key: &str, title: &str, pre: &str, langs: &[&str], cwes: &[u32]) -> IndexDoc {
        IndexDoc {
            key: key.into(),
            source: "guideline".into(),
            title: title.into(),
            precondition: pre.into(),
            body: String::new(),
            languages: langs.iter().map(|s| s.to_string()).collect(),
            cwes: cwes.to_vec(),
        }
    }

    fn index() -> SearchIndex {
        let i = SearchIndex::in_memory().unwrap_or_else(|e| panic!("{e}"));
        i.add(&[
            doc(
                "sql",
                "Pass values to SQL as parameters",
                "the code builds a database query from user input",
                &["python"],
                &[89],
            ),
            doc(
                "copy",
                "Bound every string copy",
                "the code copies a string into a fixed buffer",
                &["c", "cpp"],
                &[120, 787],
            ),
            doc(
                "any",
                "Keep secrets out of logs",
                "the program logs requests or errors",
                &[],
                &[532],
            ),
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        i
    }

    fn keys(i: &SearchIndex, q: SearchQuery<'_>) -> Vec<String> {
        i.search(&q)
            .unwrap_or_else(|e| panic!("{e}"))
            .into_iter()
            .map(|h| h.key)
            .collect()
    }

    #[test]
    fn stemmed_words_match_and_filters_apply() {
        let i = index();
        let q = |text, language, cwes| SearchQuery {
            text,
            source: "guideline",
            language,
            cwes,
            limit: 5,
        };
        assert_eq!(
            keys(&i, q("Copying a name to a buffer", None, &[])),
            ["copy"]
        );
        assert_eq!(
            keys(&i, q("queries on the database", Some("python"), &[])),
            ["sql"]
        );
        assert!(keys(&i, q("queries on the database", Some("c"), &[])).is_empty());
        // Documents for every language match any language filter.
        assert_eq!(keys(&i, q("logs", Some("c"), &[])), ["any"]);
        assert_eq!(keys(&i, q("buffer query logs", None, &[89])), ["sql"]);
        assert!(keys(&i, q("the of and", None, &[])).is_empty());
        assert_eq!(
            query_terms("Randomly chosen"),
            ["random", "randomly", "chosen"]
        );
        // Operators and quotes in the text are words, not syntax.
        assert!(i.search(&q("\"NEAR(\" OR title: AND *", None, &[])).is_ok());
        assert_eq!(i.count("guideline").unwrap_or(0), 3);
    }

    #[test]
    fn adding_a_key_again_replaces_it() {
        let i = index();
        i.add(&[doc(
            "sql",
            "Escape HTML",
            "the code writes a web page",
            &["python"],
            &[79],
        )])
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(i.count("guideline").unwrap_or(0), 3);
        let q = SearchQuery {
            text: "database query",
            source: "guideline",
            language: None,
            cwes: &[],
            limit: 5,
        };
        assert!(keys(&i, q).is_empty());
    }

    proptest! {
        #[test]
        fn any_query_text_is_safe(text in "\\PC{0,80}") {
            let i = index();
            let q = SearchQuery { text: &text, source: "guideline", language: Some("c"), cwes: &[1, 2], limit: 3 };
            prop_assert!(i.search(&q).is_ok());
        }
    }
}
