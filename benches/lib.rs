//! Criterion benchmarks of the medanon workspace: run `cargo bench -p medanon-benches`.
//! The benchmarks are the `*.rs` files beside this one.
