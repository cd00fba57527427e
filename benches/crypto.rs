//! Throughput of the operations de-identification repeats per attribute:
//! pseudonyms, UIDs and date shifts, and token encryption of originals.
#![allow(missing_docs)]
#![allow(clippy::expect_used)] // a benchmark on bad setup should stop loudly

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use medanon_crypto::{DateShiftRange, KeySet, PseudonymFormat, Scheme, purpose};

fn keys() -> KeySet {
    KeySet::parse("cYcRnq_j907tcZhKi5mlLImNTpaBIjHNGMOUSEvTSbM=").expect("valid key")
}

fn pseudonyms(c: &mut Criterion) {
    let keys = keys();
    let p = keys.pseudonyms();
    let format: PseudonymFormat = "ANON^{alnum:10}".parse().expect("valid format");
    let range = DateShiftRange::default();
    let uid = "1.2.840.113619.2.55.3.604688119.971.1175185548.283";
    let mut group = c.benchmark_group("pseudonym");
    group.throughput(Throughput::Elements(1));
    group.bench_function("uid", |b| b.iter(|| p.uid(black_box(uid))));
    group.bench_function("name", |b| {
        b.iter(|| p.pseudonym(purpose::PERSON_NAME, black_box(b"DOE^JOHN^Q"), &format))
    });
    group.bench_function("date_shift", |b| {
        b.iter(|| p.date_shift_days(black_box(b"PAT-000123"), &range))
    });
    group.finish();
}

fn tokens(c: &mut Criterion) {
    let keys = keys();
    let mut group = c.benchmark_group("token");
    for size in [64usize, 4096] {
        let data = vec![0x5a; size];
        group.throughput(Throughput::Bytes(size as u64));
        for scheme in [Scheme::Fernet, Scheme::AesGcm] {
            let token = keys.encrypt(scheme, &data, b"").expect("encrypts");
            group.bench_function(format!("{scheme}/encrypt/{size}"), |b| {
                b.iter(|| {
                    keys.encrypt(scheme, black_box(&data), b"")
                        .expect("encrypts")
                })
            });
            group.bench_function(format!("{scheme}/decrypt/{size}"), |b| {
                b.iter(|| keys.decrypt(black_box(&token), b"").expect("decrypts"))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, pseudonyms, tokens);
criterion_main!(benches);
