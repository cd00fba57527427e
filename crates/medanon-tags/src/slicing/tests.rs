use std::collections::{BTreeMap, HashMap, HashSet};

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::*;

const SEED: [u8; 32] = [7; 32];
const OTHER_SEED: [u8; 32] = [8; 32];

fn v(s: &str) -> Option<String> {
    Some(s.to_owned())
}

/// SplitMix64: a deterministic generator for test data, no RNG crate.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn key(i: usize) -> Vec<u8> {
    // Not in input order: keys are scrambled so sorting by key reorders rows.
    let mut g = SplitMix(i as u64);
    g.next().to_be_bytes().to_vec()
}

/// A batch with age, sex, weight, size and ethnic group.
fn batch(n: usize, salt: u64) -> QiTable {
    let mut g = SplitMix(salt);
    let mut t = QiTable::new(["age", "sex", "weight", "size", "ethnic"]);
    for i in 0..n {
        let age = format!("{:03}Y", 18 + g.below(70));
        let sex = ["F", "M", "O"][g.below(3) as usize];
        let weight = (45 + g.below(70)).to_string();
        let size = format!("1.{:02}", 50 + g.below(45));
        let ethnic = if g.below(10) == 0 {
            None
        } else {
            Some(format!("E{}", g.below(6)))
        };
        t.push(key(i), vec![v(&age), v(sex), v(&weight), v(&size), ethnic]);
    }
    t
}

/// A batch where every value names its row, so a value's source is known.
fn traceable_batch(n: usize) -> QiTable {
    let mut t = QiTable::new(["age", "sex", "weight", "size", "ethnic"]);
    for i in 0..n {
        let values = ["age", "sex", "weight", "size", "ethnic"]
            .iter()
            .map(|a| Some(format!("{a}-{i:05}")))
            .collect();
        t.push(key(i), values);
    }
    t
}

fn paired_config(k: usize) -> SlicingConfig {
    SlicingConfig::new(k)
        .with_column(["age", "sex"])
        .with_column(["weight", "size"])
}

fn by_key(t: &SlicedTable) -> BTreeMap<Vec<u8>, (usize, Vec<Option<String>>)> {
    t.rows
        .iter()
        .map(|r| (r.key.clone(), (r.bucket, r.values.clone())))
        .collect()
}

fn project(values: &[Option<String>], attrs: &[usize]) -> Vec<Option<String>> {
    attrs.iter().map(|&a| values[a].clone()).collect()
}

// ---------------------------------------------------------------------------
// k-anonymity
// ---------------------------------------------------------------------------

fn hand_table() -> QiTable {
    let mut t = QiTable::new(["age", "sex", "weight"]);
    // Class A: 3 rows.
    t.push(*b"r0", vec![v("045Y"), v("F"), v("72")]);
    t.push(*b"r1", vec![v("045Y"), v("F"), v("72")]);
    t.push(*b"r2", vec![v("045Y"), v("F"), v("72")]);
    // Class B: 2 rows, with a missing weight.
    t.push(*b"r3", vec![v("030Y"), v("M"), None]);
    t.push(*b"r4", vec![v("030Y"), v("M"), None]);
    // Class C: an empty string is not a missing value.
    t.push(*b"r5", vec![v("030Y"), v("M"), v("")]);
    // Classes D and E: singletons.
    t.push(*b"r6", vec![v("045Y"), v("M"), v("72")]);
    t.push(*b"r7", vec![None, v("F"), v("90")]);
    t
}

#[test]
fn k_anonymity_counts_on_hand_table() {
    let r = k_anonymity(&hand_table(), 2).unwrap();
    assert_eq!(r.rows, 8);
    assert_eq!(r.target_k, 2);
    assert_eq!(r.k, 1);
    assert_eq!(r.classes, 5);
    assert_eq!(r.classes_below_target, 3);
    assert_eq!(r.rows_below_target, 3);
    assert!(!r.meets_target());
    assert_eq!(
        r.class_sizes,
        vec![
            ClassSizeCount {
                size: 1,
                classes: 3
            },
            ClassSizeCount {
                size: 2,
                classes: 1
            },
            ClassSizeCount {
                size: 3,
                classes: 1
            },
        ]
    );
    let summary: Vec<(&str, usize, usize)> = r
        .attributes
        .iter()
        .map(|a| (a.attribute.as_str(), a.distinct, a.missing))
        .collect();
    // age: 045Y, 030Y, None; sex: F, M; weight: 72, None, "", 90.
    assert_eq!(
        summary,
        vec![("age", 3, 1), ("sex", 2, 0), ("weight", 4, 2)]
    );
}

#[test]
fn k_anonymity_target_thresholds() {
    let t = hand_table();
    let r3 = k_anonymity(&t, 3).unwrap();
    assert_eq!(r3.classes_below_target, 4);
    assert_eq!(r3.rows_below_target, 5);
    let r4 = k_anonymity(&t, 4).unwrap();
    assert_eq!(r4.classes_below_target, 5);
    assert_eq!(r4.rows_below_target, 8);
    let r1 = k_anonymity(&t, 1).unwrap();
    assert_eq!(r1.rows_below_target, 0);
    assert!(r1.meets_target());
    let r0 = k_anonymity(&t, 0).unwrap();
    assert!(r0.meets_target());
}

#[test]
fn k_anonymity_of_uniform_and_empty_tables() {
    let mut t = QiTable::new(["a", "b"]);
    for i in 0..6u8 {
        let a = if i % 2 == 0 { v("x") } else { v("y") };
        t.push([i], vec![a, None]);
    }
    let r = k_anonymity(&t, 3).unwrap();
    assert_eq!((r.k, r.classes, r.rows_below_target), (3, 2, 0));
    assert!(r.meets_target());
    assert_eq!(r.attributes[1].distinct, 1);
    assert_eq!(r.attributes[1].missing, 6);

    let empty = k_anonymity(&QiTable::new(["a"]), 5).unwrap();
    assert_eq!((empty.rows, empty.k, empty.classes), (0, 0, 0));
    assert!(empty.class_sizes.is_empty());
    assert!(empty.meets_target());
    assert_eq!(empty.attributes[0].distinct, 0);
}

#[test]
fn k_anonymity_rejects_malformed_tables() {
    let mut t = hand_table();
    t.rows[4].values.pop();
    assert_eq!(
        k_anonymity(&t, 2),
        Err(SlicingError::WrongValueCount {
            row: 4,
            expected: 3,
            found: 2
        })
    );
    let t = QiTable::new(["a", "b", "a"]);
    assert_eq!(
        k_anonymity(&t, 2),
        Err(SlicingError::DuplicateAttribute {
            attribute: "a".into()
        })
    );
}

#[test]
fn k_anonymity_report_shows_and_serializes_counts_only() {
    let mut t = QiTable::new(["PatientAge", "InstitutionName"]);
    t.push(*b"a", vec![v("077Y"), v("Secret Hospital")]);
    t.push(*b"b", vec![v("077Y"), v("Secret Hospital")]);
    t.push(*b"c", vec![v("091Y"), None]);
    let r = k_anonymity(&t, 2).unwrap();

    let text = r.to_string();
    let json = serde_json::to_string(&r).unwrap();
    for shown in [&text, &json] {
        assert!(!shown.contains("077Y"), "{shown}");
        assert!(!shown.contains("091Y"), "{shown}");
        assert!(!shown.contains("Secret"), "{shown}");
    }
    assert!(text.lines().count() <= 6, "{text}");
    assert!(text.contains("k = 1"), "{text}");
    assert!(text.contains("not met"), "{text}");
    assert!(text.contains("PatientAge 2"), "{text}");
    assert!(text.contains("InstitutionName 2 (1 missing)"), "{text}");

    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["k"], 1);
    assert_eq!(value["classes"], 2);
    assert_eq!(value["rows_below_target"], 1);
    assert_eq!(value["class_sizes"][1]["size"], 2);
    assert_eq!(value["class_sizes"][1]["classes"], 1);
    assert_eq!(value["attributes"][1]["attribute"], "InstitutionName");
    assert_eq!(value["attributes"][1]["distinct"], 2);
    assert_eq!(value["attributes"][1]["missing"], 1);
}

#[test]
fn debug_output_is_redacted() {
    let mut t = QiTable::new(["PatientAge"]);
    t.push(b"patient-123".to_vec(), vec![v("077Y")]);
    t.push(b"patient-456".to_vec(), vec![v("078Y")]);
    let sliced = slice(&t, &SlicingConfig::new(2), &SEED).unwrap();
    for shown in [format!("{t:?}"), format!("{sliced:?}")] {
        assert!(!shown.contains("077Y"), "{shown}");
        assert!(!shown.contains("078Y"), "{shown}");
        assert!(!shown.contains("patient"), "{shown}");
        assert!(!shown.contains("112, 97"), "{shown}"); // b"pa" as bytes
        assert!(shown.contains("PatientAge"), "{shown}");
    }
}

// ---------------------------------------------------------------------------
// Slicing: structure
// ---------------------------------------------------------------------------

#[test]
fn buckets_have_at_least_k_rows_and_remainder_joins_last() {
    for (n, k, expected) in [
        (5, 2, vec![2, 3]),
        (6, 2, vec![2, 2, 2]),
        (7, 7, vec![7]),
        (13, 7, vec![13]),
        (103, 5, [vec![5; 19], vec![8]].concat()),
        (4, 1, vec![1, 1, 1, 1]),
    ] {
        let t = batch(n, 1);
        let s = slice(&t, &paired_config(k), &SEED).unwrap();
        assert_eq!(s.bucket_sizes, expected, "n={n} k={k}");
        assert_eq!(s.bucket_count(), expected.len());
        assert!(s.bucket_sizes.iter().all(|&b| b >= k && b < 2 * k));
        assert_eq!(s.stats.buckets, expected.len());
        assert_eq!(s.stats.min_bucket_size, *expected.iter().min().unwrap());
        assert_eq!(s.stats.max_bucket_size, *expected.iter().max().unwrap());
        let mut counted = vec![0; expected.len()];
        for r in &s.rows {
            counted[r.bucket] += 1;
        }
        assert_eq!(counted, expected, "bucket field agrees with sizes");
    }
}

#[test]
fn output_rows_follow_input_order_and_keys() {
    let t = batch(40, 2);
    let s = slice(&t, &paired_config(4), &SEED).unwrap();
    assert_eq!(s.rows.len(), t.rows.len());
    for (o, i) in s.rows.iter().zip(&t.rows) {
        assert_eq!(o.key, i.key);
        assert_eq!(s.row(&i.key).unwrap().values, o.values);
    }
    assert!(s.row(b"no such key").is_none());
    assert_eq!(s.attributes, t.attributes);
    assert_eq!(
        s.columns,
        vec![
            vec!["age".to_owned(), "sex".to_owned()],
            vec!["weight".to_owned(), "size".to_owned()],
            vec!["ethnic".to_owned()],
        ]
    );
    assert_eq!(s.stats.columns, 3);
    assert_eq!(s.to_table().rows.len(), 40);
}

/// Checks that values only move inside their bucket and that the attributes
/// of one column travel together.
fn assert_slicing_invariants(t: &QiTable, s: &SlicedTable, columns: &[Vec<usize>]) {
    let input: HashMap<&[u8], &[Option<String>]> = t
        .rows
        .iter()
        .map(|r| (r.key.as_slice(), r.values.as_slice()))
        .collect();
    for (b, &size) in s.bucket_sizes.iter().enumerate() {
        let members: Vec<&SlicedRow> = s.rows.iter().filter(|r| r.bucket == b).collect();
        assert_eq!(members.len(), size);
        for attrs in columns {
            let mut before: Vec<Vec<Option<String>>> = members
                .iter()
                .map(|r| project(input[r.key.as_slice()], attrs))
                .collect();
            let mut after: Vec<Vec<Option<String>>> =
                members.iter().map(|r| project(&r.values, attrs)).collect();
            // Tuples of the column's attributes (not single values) must be
            // the same multiset: each output pair existed as a pair.
            before.sort();
            after.sort();
            assert_eq!(before, after, "bucket {b}, column {attrs:?}");
        }
    }
}

#[test]
fn values_move_only_inside_buckets_and_columns_stay_together() {
    let columns = vec![vec![0, 1], vec![2, 3], vec![4]];
    for (n, k, salt) in [(103, 5, 3), (50, 7, 4), (9, 3, 5), (200, 2, 6)] {
        let t = batch(n, salt);
        let s = slice(&t, &paired_config(k), &SEED).unwrap();
        assert_slicing_invariants(&t, &s, &columns);
    }
    // With traceable values, an output pair's two attributes come from one
    // input row.
    let t = traceable_batch(60);
    let s = slice(&t, &paired_config(6), &SEED).unwrap();
    assert_slicing_invariants(&t, &s, &columns);
    for r in &s.rows {
        let row_of = |a: usize| {
            r.values[a]
                .as_deref()
                .unwrap()
                .split('-')
                .nth(1)
                .unwrap()
                .to_owned()
        };
        assert_eq!(row_of(0), row_of(1), "age and sex from one row");
        assert_eq!(row_of(2), row_of(3), "weight and size from one row");
    }
}

#[test]
fn buckets_are_cut_in_the_order_of_the_first_column() {
    // First column is weight alone: numbers ordered numerically (9 < 10 <
    // 100), missing first, text last.
    let weights = [
        v("100"),
        v("9"),
        None,
        v("n/a"),
        v("10"),
        v(" 55 "),
        v("10.0"),
        v("72"),
    ];
    let mut t = QiTable::new(["sex", "weight"]);
    for (i, w) in weights.iter().enumerate() {
        t.push(key(i), vec![v("F"), w.clone()]);
    }
    let s = slice(&t, &SlicingConfig::new(2).with_column(["weight"]), &SEED).unwrap();
    assert_eq!(
        s.columns,
        vec![vec!["weight".to_owned()], vec!["sex".to_owned()]]
    );
    let bucket_of_weight = |w: Option<&str>| {
        let i = weights.iter().position(|x| x.as_deref() == w).unwrap();
        s.row(&key(i)).unwrap().bucket
    };
    // Sorted: None, 9, 10, 10.0, " 55 ", 72, 100, "n/a".
    assert_eq!(bucket_of_weight(None), 0);
    assert_eq!(bucket_of_weight(Some("9")), 0);
    assert_eq!(bucket_of_weight(Some("10")), 1);
    assert_eq!(bucket_of_weight(Some("10.0")), 1);
    assert_eq!(bucket_of_weight(Some(" 55 ")), 2);
    assert_eq!(bucket_of_weight(Some("72")), 2);
    assert_eq!(bucket_of_weight(Some("100")), 3);
    assert_eq!(bucket_of_weight(Some("n/a")), 3);
}

#[test]
fn buckets_are_homogeneous_in_the_first_column_when_possible() {
    // Ten ages, ten rows each, k = 5: every bucket holds one age, so the
    // first column is untouched and only the other columns move.
    let mut t = QiTable::new(["age", "weight"]);
    for i in 0..100 {
        t.push(
            key(i),
            vec![
                Some(format!("{:03}Y", 20 + (i * 7) % 10)),
                Some(format!("{i}")),
            ],
        );
    }
    let s = slice(&t, &SlicingConfig::new(5), &SEED).unwrap();
    assert_eq!(s.bucket_count(), 20);
    for b in 0..20 {
        let ages: HashSet<&Option<String>> = s
            .rows
            .iter()
            .filter(|r| r.bucket == b)
            .map(|r| &r.values[0])
            .collect();
        assert_eq!(ages.len(), 1, "bucket {b} mixes ages");
    }
    for (o, i) in s.rows.iter().zip(&t.rows) {
        assert_eq!(o.values[0], i.values[0]);
    }
    assert!(
        s.rows
            .iter()
            .zip(&t.rows)
            .filter(|(o, i)| o.values[1] != i.values[1])
            .count()
            > 50
    );
}

#[test]
fn k_of_one_changes_nothing() {
    let t = batch(30, 7);
    let s = slice(&t, &paired_config(1), &SEED).unwrap();
    for (o, i) in s.rows.iter().zip(&t.rows) {
        assert_eq!(o.values, i.values);
    }
    assert_eq!(s.stats.rows_linkage_preserved, 30);
    assert_eq!(s.stats.rows_matching_an_input_tuple, 30);
}

#[test]
fn zero_attributes_is_fine() {
    let mut t = QiTable::new(Vec::<String>::new());
    for i in 0..4 {
        t.push(key(i), vec![]);
    }
    let s = slice(&t, &SlicingConfig::new(2), &SEED).unwrap();
    assert_eq!(s.bucket_sizes, vec![2, 2]);
    assert!(s.columns.is_empty());
    assert_eq!(s.stats.rows_linkage_preserved, 4);
}

// ---------------------------------------------------------------------------
// Slicing: determinism and keying
// ---------------------------------------------------------------------------

#[test]
fn same_seed_same_output() {
    let t = batch(150, 8);
    let a = slice(&t, &paired_config(5), &SEED).unwrap();
    let b = slice(&t, &paired_config(5), &SEED).unwrap();
    assert_eq!(a, b);
}

#[test]
fn output_per_key_does_not_depend_on_input_order() {
    let t = batch(151, 9);
    let reference = by_key(&slice(&t, &paired_config(5), &SEED).unwrap());

    let mut reversed = t.clone();
    reversed.rows.reverse();
    let mut rotated = t.clone();
    rotated.rows.rotate_left(37);
    let mut shuffled = t.clone();
    let mut g = SplitMix(99);
    for i in (1..shuffled.rows.len()).rev() {
        let j = g.below(i as u64 + 1) as usize;
        shuffled.rows.swap(i, j);
    }
    for other in [reversed, rotated, shuffled] {
        assert_ne!(other.rows, t.rows);
        let s = slice(&other, &paired_config(5), &SEED).unwrap();
        // Output rows follow this call's input order...
        for (o, i) in s.rows.iter().zip(&other.rows) {
            assert_eq!(o.key, i.key);
        }
        // ...and each key gets the same bucket and values as before.
        assert_eq!(by_key(&s), reference);
    }
}

#[test]
fn different_seed_different_permutation() {
    // 1,000 distinct rows: two seeds agreeing on every row by chance would
    // need 200 buckets x 3 columns of 5! permutations to coincide.
    let t = traceable_batch(1000);
    let a = slice(&t, &paired_config(5), &SEED).unwrap();
    let b = slice(&t, &paired_config(5), &OTHER_SEED).unwrap();
    assert_eq!(
        a.bucket_sizes, b.bucket_sizes,
        "buckets do not depend on the seed"
    );
    assert_ne!(a.rows, b.rows);
    let differing = a
        .rows
        .iter()
        .zip(&b.rows)
        .filter(|(x, y)| x.values != y.values)
        .count();
    assert!(differing > 500, "only {differing} rows differ");
    // Each single seed byte matters.
    let mut flipped = SEED;
    flipped[31] ^= 1;
    let c = slice(&t, &paired_config(5), &flipped).unwrap();
    assert_ne!(a.rows, c.rows);
}

#[test]
fn permutation_follows_the_documented_construction() {
    // One bucket of three rows, one attribute: recompute the tags with the
    // hmac crate directly (a 32-byte key, not the padded block).
    let keys: [&[u8]; 3] = [b"alpha", b"bravo", b"charlie"];
    let mut t = QiTable::new(["x"]);
    for (i, k) in keys.iter().enumerate() {
        t.push(*k, vec![Some(format!("value-{i}"))]);
    }
    let s = slice(&t, &SlicingConfig::new(3), &SEED).unwrap();

    let tag = |k: &[u8]| {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&SEED).unwrap();
        mac.update(b"medanon-slicing/v1\x00");
        mac.update(&0u64.to_be_bytes()); // bucket
        mac.update(&0u64.to_be_bytes()); // column
        mac.update(&(k.len() as u64).to_be_bytes());
        mac.update(k);
        mac.finalize().into_bytes().to_vec()
    };
    // Rows in bucket order: by first-column value ("value-0" < ...), then key.
    let by_value: Vec<usize> = vec![0, 1, 2];
    let mut by_tag = by_value.clone();
    by_tag.sort_by_key(|&i| tag(keys[i]));
    for (dest, src) in by_value.iter().zip(&by_tag) {
        assert_eq!(
            s.rows[*dest].values[0],
            Some(format!("value-{src}")),
            "row {dest} should get row {src}'s value"
        );
    }
}

// ---------------------------------------------------------------------------
// Slicing: errors
// ---------------------------------------------------------------------------

#[test]
fn fewer_rows_than_k_is_an_error() {
    let t = batch(4, 10);
    assert_eq!(
        slice(&t, &paired_config(5), &SEED),
        Err(SlicingError::NotEnoughRows { rows: 4, k: 5 })
    );
    assert_eq!(
        slice(&QiTable::new(["age"]), &SlicingConfig::new(1), &SEED),
        Err(SlicingError::NotEnoughRows { rows: 0, k: 1 })
    );
    let s = slice(&t, &paired_config(4), &SEED).unwrap();
    assert_eq!(s.bucket_sizes, vec![4]);
}

#[test]
fn zero_k_is_an_error() {
    assert_eq!(
        slice(&batch(10, 11), &paired_config(0), &SEED),
        Err(SlicingError::ZeroK)
    );
}

#[test]
fn column_group_errors() {
    let t = batch(10, 12);
    let cases = [
        (
            SlicingConfig::new(2).with_column(["age", "height"]),
            SlicingError::UnknownAttribute {
                attribute: "height".into(),
                group: 0,
            },
        ),
        (
            SlicingConfig::new(2)
                .with_column(["age", "sex"])
                .with_column(["weight", "age"]),
            SlicingError::AttributeInTwoColumns {
                attribute: "age".into(),
            },
        ),
        (
            SlicingConfig::new(2).with_column(["sex", "sex"]),
            SlicingError::AttributeInTwoColumns {
                attribute: "sex".into(),
            },
        ),
        (
            SlicingConfig::new(2)
                .with_column(["age"])
                .with_column(Vec::<String>::new()),
            SlicingError::EmptyColumn { group: 1 },
        ),
    ];
    for (config, expected) in cases {
        assert_eq!(slice(&t, &config, &SEED), Err(expected));
    }
}

#[test]
fn malformed_table_errors() {
    let mut t = batch(10, 13);
    t.rows[6].values.push(None);
    assert_eq!(
        slice(&t, &paired_config(2), &SEED),
        Err(SlicingError::WrongValueCount {
            row: 6,
            expected: 5,
            found: 6
        })
    );

    let mut t = batch(10, 13);
    t.rows[8].key = t.rows[3].key.clone();
    assert_eq!(
        slice(&t, &paired_config(2), &SEED),
        Err(SlicingError::DuplicateRowKey {
            first: 3,
            second: 8
        })
    );

    let mut t = batch(10, 13);
    t.attributes[4] = "age".into();
    assert_eq!(
        slice(&t, &SlicingConfig::new(2), &SEED),
        Err(SlicingError::DuplicateAttribute {
            attribute: "age".into()
        })
    );
}

#[test]
fn error_messages_are_lowercase_and_value_free() {
    let errors = [
        SlicingError::ZeroK,
        SlicingError::NotEnoughRows { rows: 3, k: 5 },
        SlicingError::UnknownAttribute {
            attribute: "height".into(),
            group: 0,
        },
        SlicingError::AttributeInTwoColumns {
            attribute: "age".into(),
        },
        SlicingError::EmptyColumn { group: 1 },
        SlicingError::DuplicateAttribute {
            attribute: "age".into(),
        },
        SlicingError::WrongValueCount {
            row: 1,
            expected: 2,
            found: 3,
        },
        SlicingError::DuplicateRowKey {
            first: 1,
            second: 2,
        },
    ];
    for e in errors {
        let m = e.to_string();
        let first = m.chars().next().unwrap();
        assert!(first.is_lowercase(), "{m}");
        assert!(!m.ends_with('.'), "{m}");
    }
    // A real error from a table with identifying keys and values.
    let mut t = QiTable::new(["PatientAge"]);
    t.push(b"Doe^Jane".to_vec(), vec![v("077Y")]);
    t.push(b"Doe^Jane".to_vec(), vec![v("078Y")]);
    let m = slice(&t, &SlicingConfig::new(1), &SEED)
        .unwrap_err()
        .to_string();
    assert!(!m.contains("Doe") && !m.contains("077Y"), "{m}");
}

#[test]
fn config_deserializes_from_json() {
    let c: SlicingConfig =
        serde_json::from_str(r#"{"k": 5, "columns": [["age", "sex"], ["weight", "size"]]}"#)
            .unwrap();
    assert_eq!(c, paired_config(5));
    let c: SlicingConfig = serde_json::from_str(r#"{"k": 3}"#).unwrap();
    assert_eq!(c, SlicingConfig::new(3));
}

// ---------------------------------------------------------------------------
// Slicing: effect on a larger batch
// ---------------------------------------------------------------------------

#[test]
fn linkage_drops_on_a_large_batch() {
    let t = batch(1000, 2024);
    let before = k_anonymity(&t, 5).unwrap();
    // Realistic QIs: most rows are unique before slicing.
    assert!(before.classes > 900, "{before}");

    let s = slice(&t, &paired_config(5), &SEED).unwrap();
    let stats = s.stats;
    assert_eq!((stats.rows, stats.buckets), (1000, 200));
    assert_slicing_invariants(&t, &s, &[vec![0, 1], vec![2, 3], vec![4]]);
    // Without slicing all 1,000 rows keep their linkage. With three columns
    // permuted in buckets of 5, a row keeps its tuple mostly when the two
    // non-bucketing columns both map it to itself (1/25) or values coincide.
    assert!(
        stats.rows_linkage_preserved < 150,
        "linkage preserved in {} rows",
        stats.rows_linkage_preserved
    );
    assert!(stats.rows_matching_an_input_tuple < 300, "{stats}");
    assert!(stats.rows_matching_an_input_tuple >= stats.rows_linkage_preserved);

    // The stats agree with a direct count.
    let direct = s
        .rows
        .iter()
        .zip(&t.rows)
        .filter(|(o, i)| o.values == i.values)
        .count();
    assert_eq!(direct, stats.rows_linkage_preserved);
    let text = stats.to_string();
    assert!(text.contains("1000 rows in 200 buckets"), "{text}");
}

#[test]
fn permutations_look_uniform_and_independent() {
    // Traceable values show where each column of each row came from. In
    // buckets of 5, a uniform permutation keeps a row's own value with
    // probability 1/5, and two independent columns agree on the source with
    // probability 1/5: about 200 of 1,000 rows each (sd about 13).
    let t = traceable_batch(1000);
    let s = slice(&t, &paired_config(5), &SEED).unwrap();
    let source = |r: &SlicedRow, a: usize| r.values[a].as_deref().unwrap()[a_len(a)..].to_owned();
    fn a_len(a: usize) -> usize {
        ["age-", "sex-", "weight-", "size-", "ethnic-"][a].len()
    }
    let mut fixed = [0usize; 3];
    let mut same_source = 0;
    for (o, i) in s.rows.iter().zip(&t.rows) {
        let own = &i.values[0].as_deref().unwrap()[4..];
        for (c, a) in [0, 2, 4].into_iter().enumerate() {
            if source(o, a) == own {
                fixed[c] += 1;
            }
        }
        if source(o, 0) == source(o, 2) {
            same_source += 1;
        }
    }
    for (c, f) in fixed.iter().enumerate() {
        assert!((140..=260).contains(f), "column {c}: {f} fixed points");
    }
    assert!((140..=260).contains(&same_source), "{same_source}");
    assert!(s.stats.rows_linkage_preserved < 30, "{}", s.stats);
}
