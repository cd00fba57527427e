//! `C`: keep values of similar meaning without identifying information.

use std::collections::BTreeSet;

use dicom_core::VR;
use dicom_core::value::Value;
use dicom_object::InMemDicomObject;
use dicom_object::mem::InMemElement;

use super::{
    ActionContext, ActionError, AttributeAction, Outcome, Pseudonymize, ReplaceUid,
    SequenceOutcome, map_text, text_values,
};

/// Cleans a value (PS3.15 action C):
///
/// | VR | cleaning |
/// |---|---|
/// | DA, DT | shifted by the patient's keyed date shift (intervals kept) |
/// | TM | kept (a shift in whole days keeps times of day) |
/// | PN | keyed pseudonym |
/// | UI | keyed UID |
/// | AE, CS, LO, SH, UC, ST, LT, UT | text with identifying terms blanked (see below) |
/// | AS, DS, IS | kept (numbers name nobody) |
/// | others (binary) | removed: they cannot be inspected |
///
/// Text is cleaned by replacing with `*` every occurrence, ignoring case, of
/// the object's identifying values ([`ScrubTerms`]: names and their parts,
/// IDs, addresses, institution and device names found anywhere in the object),
/// every run of at least six digits (with `-`, `/`, `.`, `:` or spaces
/// between them: dates, phone numbers, record numbers) and every word with
/// an `@` (e-mail addresses). When the object's character set could not be
/// decoded reliably, text is emptied instead.
#[derive(Debug, Clone, Copy, Default)]
pub struct Clean;

impl AttributeAction for Clean {
    fn name(&self) -> &'static str {
        "clean"
    }

    fn apply(
        &self,
        element: &InMemElement,
        ctx: &mut ActionContext<'_>,
    ) -> Result<Outcome, ActionError> {
        match element.vr() {
            VR::DA | VR::DT | VR::TM | VR::PN => Pseudonymize.apply(element, ctx),
            VR::UI => ReplaceUid.apply(element, ctx),
            VR::AS | VR::DS | VR::IS => Ok(Outcome::Keep),
            VR::AE | VR::CS | VR::LO | VR::SH | VR::UC | VR::ST | VR::LT | VR::UT | VR::UR => {
                if !ctx.text_reliable {
                    return Ok(Outcome::Replace(dicom_core::PrimitiveValue::Empty));
                }
                map_text(element, self.name(), |v| Ok(ctx.terms.scrub(v)))
            }
            _ => Ok(Outcome::Remove),
        }
    }

    fn on_sequence(&self) -> SequenceOutcome {
        SequenceOutcome::CleanItems
    }
}

/// The identifying values of one object, to be blanked from free text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScrubTerms {
    /// Upper-cased terms, longest first (so that "JOHN SMITH" goes before "JOHN").
    terms: Vec<String>,
}

/// Shortest term worth blanking: shorter ones (initials, "MR") would blank
/// ordinary words.
const MIN_TERM_CHARS: usize = 3;

impl ScrubTerms {
    /// Collects the terms of `object` (nested items included): the whole
    /// value and each word of every attribute that `is_identifying` says
    /// carries identifying text.
    pub fn collect(
        object: &InMemDicomObject,
        is_identifying: &dyn Fn(&InMemElement) -> bool,
    ) -> Self {
        let mut set = BTreeSet::new();
        collect_into(object, is_identifying, &mut set, 0);
        let mut terms: Vec<String> = set.into_iter().collect();
        terms.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then(a.cmp(b)));
        ScrubTerms { terms }
    }

    /// Builds terms from values directly (for tests and custom callers).
    pub fn from_values<'a>(values: impl IntoIterator<Item = &'a str>) -> Self {
        let mut set = BTreeSet::new();
        for value in values {
            add_terms(value, &mut set);
        }
        let mut terms: Vec<String> = set.into_iter().collect();
        terms.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then(a.cmp(b)));
        ScrubTerms { terms }
    }

    /// How many terms there are.
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// `text` with every identifying term, long digit run and e-mail address
    /// replaced by `*`.
    pub fn scrub(&self, text: &str) -> String {
        let mut chars: Vec<char> = text.chars().collect();
        for term in &self.terms {
            let term: Vec<char> = term.chars().collect();
            blank_matches(&mut chars, &term);
        }
        blank_digit_runs(&mut chars);
        blank_emails(&mut chars);
        collapse_stars(&chars)
    }
}

/// Nesting deeper than this is not searched for terms (the engine refuses
/// deeper objects anyway).
const MAX_DEPTH: usize = 64;

fn collect_into(
    object: &InMemDicomObject,
    is_identifying: &dyn Fn(&InMemElement) -> bool,
    set: &mut BTreeSet<String>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    for element in object {
        match element.value() {
            Value::Sequence(seq) => {
                for item in seq.items() {
                    collect_into(item, is_identifying, set, depth + 1);
                }
            }
            Value::Primitive(_) if is_identifying(element) => {
                for value in text_values(element).unwrap_or_default() {
                    add_terms(&value, set);
                }
            }
            _ => {}
        }
    }
}

fn add_terms(value: &str, set: &mut BTreeSet<String>) {
    let upper = value.trim().to_uppercase();
    // Person names: each component and each word; other text: each word.
    for part in std::iter::once(upper.as_str()).chain(upper.split(['^', '=', ' ', ',', '/', '\\']))
    {
        let part = part.trim_matches(|c: char| !c.is_alphanumeric());
        if part.chars().filter(|c| c.is_alphanumeric()).count() >= MIN_TERM_CHARS {
            set.insert(part.to_owned());
        }
    }
}

fn eq_ignore_case(a: char, b: char) -> bool {
    a == b || a.to_uppercase().eq(b.to_uppercase())
}

/// Replaces each occurrence of `term` in `chars` (ignoring case) by `*`s.
fn blank_matches(chars: &mut [char], term: &[char]) {
    if term.is_empty() || term.len() > chars.len() {
        return;
    }
    let mut i = 0;
    while i + term.len() <= chars.len() {
        if chars[i..i + term.len()]
            .iter()
            .zip(term)
            .all(|(&a, &b)| eq_ignore_case(a, b))
        {
            chars[i..i + term.len()].iter_mut().for_each(|c| *c = '*');
            i += term.len();
        } else {
            i += 1;
        }
    }
}

/// Blanks runs of digits and separators holding at least six digits.
fn blank_digit_runs(chars: &mut [char]) {
    const MIN_DIGITS: usize = 6;
    let is_sep = |c: char| matches!(c, '-' | '/' | '.' | ':' | ' ');
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i; // one past the last digit of the run
        let mut digits = 0;
        while i < chars.len() && (chars[i].is_ascii_digit() || is_sep(chars[i])) {
            if chars[i].is_ascii_digit() {
                digits += 1;
                end = i + 1;
            }
            i += 1;
        }
        if digits >= MIN_DIGITS {
            chars[start..end].iter_mut().for_each(|c| *c = '*');
        }
        i = end.max(start + 1);
    }
}

/// Blanks every whitespace-separated word that contains `@`.
fn blank_emails(chars: &mut [char]) {
    let mut start = 0;
    for i in 0..=chars.len() {
        if i == chars.len() || chars[i].is_whitespace() {
            if chars[start..i].contains(&'@') {
                chars[start..i].iter_mut().for_each(|c| *c = '*');
            }
            start = i + 1;
        }
    }
}

/// Joins the characters, writing each run of `*` as a single `*`.
fn collapse_stars(chars: &[char]) -> String {
    let mut out = String::with_capacity(chars.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == '*' && i > 0 && chars[i - 1] == '*' {
            continue;
        }
        out.push(c);
    }
    out
}
