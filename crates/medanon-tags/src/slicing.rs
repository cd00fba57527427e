//! Batch-level de-identification of quasi-identifiers: a k-anonymity report
//! and slicing.
//!
//! A batch of DICOM files is described by a [`QiTable`]: one [`QiRow`] per file
//! holding the file's quasi-identifier (QI) values (Patient's Age, Sex,
//! Weight, Size, Ethnic Group, Institution…) as optional strings, and an opaque
//! stable key (for example a keyed digest of the file).
//!
//! * [`k_anonymity`] groups rows by their full QI tuple (equivalence classes)
//!   and reports the smallest class size *k*, the class size histogram and
//!   per-attribute distinct-value counts, as a [`KAnonymityReport`] that can be
//!   shown ([`Display`](fmt::Display)) or serialized to JSON. It holds counts
//!   only, never a QI value.
//! * [`slice()`] applies *slicing* (Li, Li, Zhang, Molloy, "Slicing: A New
//!   Approach for Privacy Preserving Data Publishing", IEEE TKDE 24(3), 2012):
//!   attributes are partitioned into columns of correlated attributes, rows
//!   into buckets of at least *k* rows, and inside each bucket the values of
//!   each column are permuted independently of the other columns, which breaks
//!   the linkage between columns while keeping each column's distribution
//!   within a bucket. The permutation is derived from a 32-byte secret seed
//!   with HMAC-SHA256, so the same batch and seed give the same output on
//!   every machine (see [`slice()`] for the exact construction).
//!
//! Missing values (`None`) are a value of their own everywhere: two rows that
//! both lack Patient's Weight agree on it.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::fmt;

use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Domain label of the slicing permutation; changing it changes every output.
pub const SLICING_DOMAIN: &[u8] = b"medanon-slicing/v1";

// ---------------------------------------------------------------------------
// Input table
// ---------------------------------------------------------------------------

/// The quasi-identifiers of a batch: attribute names and one row per file.
///
/// `Debug` shows the attribute names and, for each row, only the key length
/// and the number of values (see [`QiRow`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QiTable {
    /// Attribute names (for example `"PatientAge"`), unique. Column groups in
    /// [`SlicingConfig::columns`] refer to these names.
    pub attributes: Vec<String>,
    /// One row per file; each row has exactly one value per attribute.
    pub rows: Vec<QiRow>,
}

impl QiTable {
    /// An empty table with these attribute names.
    #[must_use]
    pub fn new<I, S>(attributes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            attributes: attributes.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row (not checked here: [`k_anonymity`] and [`slice()`] check
    /// the number of values, [`slice()`] also the uniqueness of keys).
    pub fn push(&mut self, key: impl Into<Vec<u8>>, values: Vec<Option<String>>) {
        self.rows.push(QiRow {
            key: key.into(),
            values,
        });
    }

    /// Checks that attribute names are unique and that every row has one
    /// value per attribute.
    fn check_shape(&self) -> Result<(), SlicingError> {
        let mut seen = HashSet::with_capacity(self.attributes.len());
        for name in &self.attributes {
            if !seen.insert(name.as_str()) {
                return Err(SlicingError::DuplicateAttribute {
                    attribute: name.clone(),
                });
            }
        }
        let expected = self.attributes.len();
        for (row, r) in self.rows.iter().enumerate() {
            if r.values.len() != expected {
                return Err(SlicingError::WrongValueCount {
                    row,
                    expected,
                    found: r.values.len(),
                });
            }
        }
        Ok(())
    }
}

/// One file's quasi-identifiers.
///
/// `Debug` is redacted: it shows the key length and the number of values,
/// never the key or the values, so a row can be logged safely.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct QiRow {
    /// Opaque stable key of the row (for example a keyed digest of the file),
    /// unique within the table. It decides the order of rows, so the result
    /// does not depend on the order in which the rows were collected; it must
    /// not be the row's position in the input.
    pub key: Vec<u8>,
    /// One value per attribute of the table, `None` when the file lacks it.
    pub values: Vec<Option<String>>,
}

impl fmt::Debug for QiRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        redacted_row(f, "QiRow", &self.key, &self.values, None)
    }
}

fn redacted_row(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    key: &[u8],
    values: &[Option<String>],
    bucket: Option<usize>,
) -> fmt::Result {
    let mut s = f.debug_struct(name);
    s.field("key", &format_args!("<{} bytes>", key.len()));
    if let Some(bucket) = bucket {
        s.field("bucket", &bucket);
    }
    s.field("values", &format_args!("<{} redacted>", values.len()))
        .finish()
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// Why a table could not be analysed or sliced.
///
/// Messages name attributes and row positions, never a QI value or a row key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SlicingError {
    /// `k` is zero.
    #[error("k must be at least 1")]
    ZeroK,

    /// The table has fewer rows than `k`, so no bucket can reach `k` rows.
    #[error("cannot reach k = {k}: the batch has only {rows} rows")]
    NotEnoughRows {
        /// Rows in the table.
        rows: usize,
        /// The requested bucket size.
        k: usize,
    },

    /// A column group names an attribute the table does not have.
    #[error("unknown attribute `{attribute}` in column group {group}")]
    UnknownAttribute {
        /// The unknown name.
        attribute: String,
        /// Position of the group in [`SlicingConfig::columns`].
        group: usize,
    },

    /// An attribute is listed twice in the column groups (in two groups, or
    /// twice in one).
    #[error("attribute `{attribute}` is listed more than once in the column groups")]
    AttributeInTwoColumns {
        /// The repeated name.
        attribute: String,
    },

    /// A column group lists no attribute.
    #[error("column group {group} is empty")]
    EmptyColumn {
        /// Position of the group in [`SlicingConfig::columns`].
        group: usize,
    },

    /// The table names the same attribute twice.
    #[error("attribute `{attribute}` appears twice in the table")]
    DuplicateAttribute {
        /// The repeated name.
        attribute: String,
    },

    /// A row does not have one value per attribute.
    #[error("row {row} has {found} values, expected {expected}")]
    WrongValueCount {
        /// Position of the row in [`QiTable::rows`].
        row: usize,
        /// Number of attributes.
        expected: usize,
        /// Number of values in the row.
        found: usize,
    },

    /// Two rows have the same key.
    #[error("rows {first} and {second} have the same key")]
    DuplicateRowKey {
        /// Position of one row in [`QiTable::rows`].
        first: usize,
        /// Position of the other, greater than `first`.
        second: usize,
    },
}

// ---------------------------------------------------------------------------
// k-anonymity report
// ---------------------------------------------------------------------------

/// The k-anonymity of a batch: equivalence classes of identical QI tuples.
///
/// Holds counts only (and attribute names), never a QI value, so it can be
/// logged, shown ([`Display`](fmt::Display), a few lines) or written as JSON
/// (`Serialize`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KAnonymityReport {
    /// Rows in the table.
    pub rows: usize,
    /// The k the report was asked to check against.
    pub target_k: usize,
    /// Size of the smallest equivalence class: the batch is k-anonymous for
    /// this k. Zero for an empty table.
    pub k: usize,
    /// Number of equivalence classes (distinct full QI tuples).
    pub classes: usize,
    /// Number of classes smaller than `target_k`.
    pub classes_below_target: usize,
    /// Number of rows in classes smaller than `target_k`.
    pub rows_below_target: usize,
    /// How many classes have each size, by increasing size.
    pub class_sizes: Vec<ClassSizeCount>,
    /// Distinct values of each attribute, in table order.
    pub attributes: Vec<AttributeSummary>,
}

impl KAnonymityReport {
    /// Whether every row is in a class of at least `target_k` rows (true for
    /// an empty table).
    #[must_use]
    pub fn meets_target(&self) -> bool {
        self.rows_below_target == 0
    }
}

/// One bar of the class size histogram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ClassSizeCount {
    /// Class size (rows sharing one QI tuple).
    pub size: usize,
    /// Number of classes of that size.
    pub classes: usize,
}

/// Distinct-value count of one attribute (counts only, no values).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttributeSummary {
    /// Attribute name.
    pub attribute: String,
    /// Distinct values, a missing value counting as one value.
    pub distinct: usize,
    /// Rows where the value is missing.
    pub missing: usize,
}

/// Computes the k-anonymity report of `table` against `target_k`.
///
/// Rows are grouped by their full QI tuple; `None` is a value of its own.
/// Row keys play no part. A `target_k` of 0 or 1 is met by any table.
///
/// # Errors
///
/// [`SlicingError::DuplicateAttribute`] or
/// [`SlicingError::WrongValueCount`] when the table is malformed.
pub fn k_anonymity(table: &QiTable, target_k: usize) -> Result<KAnonymityReport, SlicingError> {
    table.check_shape()?;

    let mut class_of: HashMap<&[Option<String>], usize> = HashMap::new();
    for row in &table.rows {
        *class_of.entry(row.values.as_slice()).or_insert(0) += 1;
    }

    let mut histogram: HashMap<usize, usize> = HashMap::new();
    let mut classes_below_target = 0;
    let mut rows_below_target = 0;
    for &size in class_of.values() {
        *histogram.entry(size).or_insert(0) += 1;
        if size < target_k {
            classes_below_target += 1;
            rows_below_target += size;
        }
    }
    let mut class_sizes: Vec<ClassSizeCount> = histogram
        .into_iter()
        .map(|(size, classes)| ClassSizeCount { size, classes })
        .collect();
    class_sizes.sort_unstable_by_key(|c| c.size);

    let attributes = table
        .attributes
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut distinct: HashSet<Option<&str>> = HashSet::new();
            let mut missing = 0;
            for row in &table.rows {
                let value = row.values.get(i).and_then(Option::as_deref);
                if value.is_none() {
                    missing += 1;
                }
                distinct.insert(value);
            }
            AttributeSummary {
                attribute: name.clone(),
                distinct: distinct.len(),
                missing,
            }
        })
        .collect();

    Ok(KAnonymityReport {
        rows: table.rows.len(),
        target_k,
        k: class_sizes.first().map_or(0, |c| c.size),
        classes: class_of.len(),
        classes_below_target,
        rows_below_target,
        class_sizes,
        attributes,
    })
}

impl fmt::Display for KAnonymityReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.meets_target() {
            "met"
        } else {
            "not met"
        };
        writeln!(
            f,
            "k-anonymity: k = {} (target {}: {verdict})",
            self.k, self.target_k
        )?;
        writeln!(
            f,
            "{} rows in {} equivalence classes; {} rows in {} classes smaller than {}",
            self.rows,
            self.classes,
            self.rows_below_target,
            self.classes_below_target,
            self.target_k
        )?;
        write!(f, "class sizes (size x classes):")?;
        if self.class_sizes.is_empty() {
            write!(f, " none")?;
        }
        for c in &self.class_sizes {
            write!(f, " {}x{}", c.size, c.classes)?;
        }
        writeln!(f)?;
        write!(f, "distinct values:")?;
        if self.attributes.is_empty() {
            write!(f, " no attributes")?;
        }
        for (i, a) in self.attributes.iter().enumerate() {
            let sep = if i == 0 { " " } else { ", " };
            write!(f, "{sep}{} {}", a.attribute, a.distinct)?;
            if a.missing > 0 {
                write!(f, " ({} missing)", a.missing)?;
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Slicing
// ---------------------------------------------------------------------------

/// How to slice a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlicingConfig {
    /// Minimum bucket size (at least 1).
    pub k: usize,
    /// Groups of correlated attributes, by name, that stay together (for
    /// example `[["PatientAge", "PatientSex"], ["PatientWeight",
    /// "PatientSize"]]`). Every attribute of the table not listed here forms a
    /// column of its own. The first column (the first group, or the first
    /// table attribute when no group is given) decides the buckets.
    #[serde(default)]
    pub columns: Vec<Vec<String>>,
}

impl SlicingConfig {
    /// A configuration with bucket size `k` and no column group (every
    /// attribute is a column of its own).
    #[must_use]
    pub fn new(k: usize) -> Self {
        Self {
            k,
            columns: Vec::new(),
        }
    }

    /// Adds a group of attributes that stay together.
    #[must_use]
    pub fn with_column<I, S>(mut self, attributes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.columns
            .push(attributes.into_iter().map(Into::into).collect());
        self
    }
}

/// The result of [`slice()`]: new values for every row, and statistics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlicedTable {
    /// Attribute names, as in the input table.
    pub attributes: Vec<String>,
    /// The columns used, by attribute name: the configured groups in order,
    /// then each remaining attribute on its own, in table order. A column's
    /// position here is its `column_index` in the permutation.
    pub columns: Vec<Vec<String>>,
    /// One row per input row, in the order of [`QiTable::rows`], with the
    /// same key and the new values.
    pub rows: Vec<SlicedRow>,
    /// Number of rows in each bucket, by bucket number.
    pub bucket_sizes: Vec<usize>,
    /// Counts describing the effect of slicing.
    pub stats: SlicingStats,
}

impl SlicedTable {
    /// Number of buckets.
    #[must_use]
    pub fn bucket_count(&self) -> usize {
        self.bucket_sizes.len()
    }

    /// The output row with this key, if any (linear search).
    #[must_use]
    pub fn row(&self, key: &[u8]) -> Option<&SlicedRow> {
        self.rows.iter().find(|r| r.key == key)
    }

    /// The sliced rows as a [`QiTable`] (for example to compute its
    /// [`k_anonymity`]).
    #[must_use]
    pub fn to_table(&self) -> QiTable {
        QiTable {
            attributes: self.attributes.clone(),
            rows: self
                .rows
                .iter()
                .map(|r| QiRow {
                    key: r.key.clone(),
                    values: r.values.clone(),
                })
                .collect(),
        }
    }
}

/// One output row. `Debug` is redacted like [`QiRow`]'s.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SlicedRow {
    /// The input row's key.
    pub key: Vec<u8>,
    /// Bucket number, an index into [`SlicedTable::bucket_sizes`]. Buckets
    /// are numbered in the order of the first column's values.
    pub bucket: usize,
    /// The new value of every attribute, in table order.
    pub values: Vec<Option<String>>,
}

impl fmt::Debug for SlicedRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        redacted_row(f, "SlicedRow", &self.key, &self.values, Some(self.bucket))
    }
}

/// The effect of slicing, in counts (no QI value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SlicingStats {
    /// Rows in the table.
    pub rows: usize,
    /// Number of buckets.
    pub buckets: usize,
    /// Size of the smallest bucket (at least k).
    pub min_bucket_size: usize,
    /// Size of the largest bucket (less than 2k).
    pub max_bucket_size: usize,
    /// Number of columns the attributes were partitioned into.
    pub columns: usize,
    /// Rows whose output QI tuple is still exactly their own input tuple:
    /// the linkage between their columns was preserved (by the permutation
    /// or because the values swapped in were equal).
    pub rows_linkage_preserved: usize,
    /// Rows whose output QI tuple occurs as the full tuple of some input row
    /// (their own or another); the others are tuples that exist nowhere in
    /// the input.
    pub rows_matching_an_input_tuple: usize,
}

impl fmt::Display for SlicingStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "slicing: {} rows in {} buckets of {} to {} rows, {} columns",
            self.rows, self.buckets, self.min_bucket_size, self.max_bucket_size, self.columns
        )?;
        write!(
            f,
            "linkage preserved in {} rows; {} rows match some input tuple",
            self.rows_linkage_preserved, self.rows_matching_an_input_tuple
        )
    }
}

/// Slices `table`: buckets of at least `config.k` rows, inside which each
/// column's values are permuted independently, as a function of `seed`.
///
/// # Construction (version 1)
///
/// 1. **Columns.** The groups of `config.columns`, in order, then every other
///    attribute alone, in table order; `column_index` is the position in that
///    list (see [`SlicedTable::columns`]).
/// 2. **Order.** Rows are sorted by key (bytewise), then stably by the values
///    of the first column compared attribute by attribute: a missing value
///    first, then values that parse as finite numbers (surrounding spaces
///    ignored) by numeric value (ties bytewise), then other values bytewise.
///    The order, and so the output, does not depend on the input order.
/// 3. **Buckets.** That order is cut into `n / k` consecutive buckets of `k`
///    rows, numbered from 0; the `n % k` remaining rows join the last bucket.
/// 4. **Permutation.** For bucket `b` and column `c`, the rows `r_0..r_m` of
///    the bucket (in the order of step 2) are sorted by
///
///    ```text
///    tag(r) = HMAC-SHA256(seed, "medanon-slicing/v1" || 0x00
///                               || u64be(b) || u64be(c)
///                               || u64be(len(key(r))) || key(r))
///    ```
///
///    (ties, which do not happen in practice, by key) into `s_0..s_m`; row
///    `r_i` receives the values of column `c` from row `s_i`. The attributes
///    of one column move together; different columns get unrelated
///    permutations, and values never leave their bucket.
///
/// # Errors
///
/// [`SlicingError::ZeroK`], a malformed table
/// ([`DuplicateAttribute`](SlicingError::DuplicateAttribute),
/// [`WrongValueCount`](SlicingError::WrongValueCount),
/// [`DuplicateRowKey`](SlicingError::DuplicateRowKey)), bad column groups
/// ([`UnknownAttribute`](SlicingError::UnknownAttribute),
/// [`AttributeInTwoColumns`](SlicingError::AttributeInTwoColumns),
/// [`EmptyColumn`](SlicingError::EmptyColumn)), or
/// [`NotEnoughRows`](SlicingError::NotEnoughRows) when the table has fewer
/// than `k` rows.
pub fn slice(
    table: &QiTable,
    config: &SlicingConfig,
    seed: &[u8; 32],
) -> Result<SlicedTable, SlicingError> {
    let k = config.k;
    if k == 0 {
        return Err(SlicingError::ZeroK);
    }
    table.check_shape()?;
    let columns = resolve_columns(&table.attributes, &config.columns)?;

    let n = table.rows.len();
    if n < k {
        return Err(SlicingError::NotEnoughRows { rows: n, k });
    }

    // Step 2: by key, then stably by the first column.
    let first_column: &[usize] = columns.first().map_or(&[], Vec::as_slice);
    let order = bucket_order(table, first_column)?;

    // Step 3: bucket sizes.
    let mut bucket_sizes = vec![k; n / k];
    if let Some(last) = bucket_sizes.last_mut() {
        *last += n % k;
    }

    // Step 4: permute each column inside each bucket.
    let prf = Prf::new(seed);
    let mut out: Vec<SlicedRow> = table
        .rows
        .iter()
        .map(|r| SlicedRow {
            key: r.key.clone(),
            bucket: 0,
            values: r.values.clone(),
        })
        .collect();
    let mut rest: &[(usize, &QiRow)] = &order;
    for (b, &size) in bucket_sizes.iter().enumerate() {
        let (members, tail) = rest.split_at_checked(size).unwrap_or((rest, &[]));
        rest = tail;
        for &(dest, _) in members {
            if let Some(row) = out.get_mut(dest) {
                row.bucket = b;
            }
        }
        for (c, attrs) in columns.iter().enumerate() {
            let mut sources: Vec<([u8; 32], &QiRow)> = members
                .iter()
                .map(|&(_, row)| (prf.tag(b, c, &row.key), row))
                .collect();
            sources.sort_by(|x, y| x.0.cmp(&y.0).then_with(|| x.1.key.cmp(&y.1.key)));
            for (&(dest, _), (_, src)) in members.iter().zip(&sources) {
                let Some(dest_row) = out.get_mut(dest) else {
                    continue;
                };
                for &a in attrs {
                    if let (Some(slot), Some(value)) =
                        (dest_row.values.get_mut(a), src.values.get(a))
                    {
                        slot.clone_from(value);
                    }
                }
            }
        }
    }

    let (rows_linkage_preserved, rows_matching_an_input_tuple) = linkage(table, &out);
    let stats = SlicingStats {
        rows: n,
        buckets: bucket_sizes.len(),
        min_bucket_size: bucket_sizes.iter().copied().min().unwrap_or(0),
        max_bucket_size: bucket_sizes.iter().copied().max().unwrap_or(0),
        columns: columns.len(),
        rows_linkage_preserved,
        rows_matching_an_input_tuple,
    };

    let column_names = columns
        .iter()
        .map(|attrs| {
            attrs
                .iter()
                .filter_map(|&a| table.attributes.get(a).cloned())
                .collect()
        })
        .collect();
    Ok(SlicedTable {
        attributes: table.attributes.clone(),
        columns: column_names,
        rows: out,
        bucket_sizes,
        stats,
    })
}

/// Rows sorted by key (checking that keys are unique), then stably by the
/// values of `first_column`; each with its position in the input.
fn bucket_order<'t>(
    table: &'t QiTable,
    first_column: &[usize],
) -> Result<Vec<(usize, &'t QiRow)>, SlicingError> {
    let mut order: Vec<(usize, &QiRow)> = table.rows.iter().enumerate().collect();
    order.sort_by(|a, b| a.1.key.cmp(&b.1.key).then(a.0.cmp(&b.0)));
    for pair in order.windows(2) {
        // Equal keys are ordered by position, so `i < j`.
        match pair {
            [(i, a), (j, b)] if a.key == b.key => {
                return Err(SlicingError::DuplicateRowKey {
                    first: *i,
                    second: *j,
                });
            }
            _ => {}
        }
    }
    let mut keyed: Vec<(Vec<SortValue<'_>>, usize, &QiRow)> = order
        .into_iter()
        .map(|(i, row)| {
            let sort_key = first_column
                .iter()
                .map(|&a| SortValue::new(row.values.get(a).and_then(Option::as_deref)))
                .collect();
            (sort_key, i, row)
        })
        .collect();
    // Stable: rows with equal values stay in key order.
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(keyed.into_iter().map(|(_, i, row)| (i, row)).collect())
}

/// Counts output rows whose tuple is still their own input tuple, and those
/// whose tuple is the tuple of some input row.
fn linkage(table: &QiTable, out: &[SlicedRow]) -> (usize, usize) {
    let input_tuples: HashSet<&[Option<String>]> =
        table.rows.iter().map(|r| r.values.as_slice()).collect();
    let preserved = out
        .iter()
        .zip(&table.rows)
        .filter(|(o, i)| o.values == i.values)
        .count();
    let matching = out
        .iter()
        .filter(|o| input_tuples.contains(o.values.as_slice()))
        .count();
    (preserved, matching)
}

/// Turns the configured groups into attribute indices, adding the unlisted
/// attributes as single-attribute columns.
fn resolve_columns(
    attributes: &[String],
    groups: &[Vec<String>],
) -> Result<Vec<Vec<usize>>, SlicingError> {
    let index: HashMap<&str, usize> = attributes
        .iter()
        .enumerate()
        .map(|(i, a)| (a.as_str(), i))
        .collect();
    let mut listed = vec![false; attributes.len()];
    let mut columns = Vec::with_capacity(attributes.len());
    for (group, names) in groups.iter().enumerate() {
        if names.is_empty() {
            return Err(SlicingError::EmptyColumn { group });
        }
        let mut column = Vec::with_capacity(names.len());
        for name in names {
            let Some(&i) = index.get(name.as_str()) else {
                return Err(SlicingError::UnknownAttribute {
                    attribute: name.clone(),
                    group,
                });
            };
            match listed.get_mut(i) {
                Some(flag) if !*flag => *flag = true,
                _ => {
                    return Err(SlicingError::AttributeInTwoColumns {
                        attribute: name.clone(),
                    });
                }
            }
            column.push(i);
        }
        columns.push(column);
    }
    columns.extend(
        listed
            .iter()
            .enumerate()
            .filter(|(_, listed)| !**listed)
            .map(|(i, _)| vec![i]),
    );
    Ok(columns)
}

/// A value as ordered for bucketing: missing, then numbers, then text.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum SortValue<'a> {
    Missing,
    Number(OrdF64, &'a str),
    Text(&'a str),
}

impl<'a> SortValue<'a> {
    fn new(value: Option<&'a str>) -> Self {
        match value {
            None => Self::Missing,
            Some(text) => match text.trim().parse::<f64>() {
                Ok(x) if x.is_finite() => Self::Number(OrdF64(x), text),
                _ => Self::Text(text),
            },
        }
    }
}

/// An `f64` with the IEEE total order.
#[derive(Debug, Clone, Copy)]
struct OrdF64(f64);

impl PartialEq for OrdF64 {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for OrdF64 {}

impl PartialOrd for OrdF64 {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for OrdF64 {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// The keyed function behind the permutations.
struct Prf {
    /// HMAC state with the seed and the domain label already absorbed.
    prefix: HmacSha256,
}

impl Prf {
    fn new(seed: &[u8; 32]) -> Self {
        // HMAC pads keys shorter than the SHA-256 block with zeros; doing it
        // here gives the same MAC as `new_from_slice(seed)` without a
        // fallible call.
        let mut block = [0u8; 64];
        for (dst, src) in block.iter_mut().zip(seed) {
            *dst = *src;
        }
        let mut prefix = <HmacSha256 as KeyInit>::new(&block.into());
        block.fill(0);
        prefix.update(SLICING_DOMAIN);
        prefix.update(&[0]);
        Self { prefix }
    }

    fn tag(&self, bucket: usize, column: usize, key: &[u8]) -> [u8; 32] {
        let mut mac = self.prefix.clone();
        mac.update(&u64be(bucket));
        mac.update(&u64be(column));
        mac.update(&u64be(key.len()));
        mac.update(key);
        mac.finalize().into_bytes().into()
    }
}

fn u64be(n: usize) -> [u8; 8] {
    // usize is at most 64 bits on every supported target.
    u64::try_from(n).unwrap_or(u64::MAX).to_be_bytes()
}

#[cfg(test)]
mod tests;
