//! Parsing with every allocation bounded by the bytes that remain.
//!
//! The DICOM parser reserves a value's declared length before reading it, so
//! a corrupt length field makes it allocate (and zero) gigabytes for a tiny
//! file. This module puts a guard between the parser's element reader and
//! the object builder: every declared length larger than what is left of the
//! input is cut to what is left (so the parser never allocates more than the
//! file holds) and remembered, and the read then fails with a clear error.
//! The guard sees exactly the lengths the parser acts on, whatever its view
//! of a damaged structure is.

use std::cell::Cell;
use std::io::Read;
use std::rc::Rc;

use dicom_core::header::{DataElementHeader, Length, SequenceItemHeader};
use dicom_core::{PrimitiveValue, Tag};
use dicom_encoding::text::SpecificCharacterSet;
use dicom_encoding::{Codec, TransferSyntax};
use dicom_object::InMemDicomObject;
use dicom_parser::stateful::decode::Result as DecodeResult;
use dicom_parser::{StatefulDecode, StatefulDecoder};

/// Largest expansion of a deflated data set (zlib's worst case is about 1032:1).
const MAX_DEFLATE_RATIO: u64 = 1100;

/// The first excessive length seen: (attribute, declared, remaining).
type Excess = Rc<Cell<Option<(Option<Tag>, u32, u64)>>>;

/// Why a guarded read failed.
#[derive(Debug)]
pub(crate) enum GuardedError {
    /// An attribute declared more bytes than remain.
    TooLong {
        /// The attribute (or the item, for fragments).
        tag: Option<Tag>,
        /// The declared length.
        declared: u32,
        /// What remained.
        remaining: u64,
    },
    /// The parser failed (message without values).
    Parse(String),
}

/// Reads the data set in `body` (everything after the file meta) under `ts`.
pub(crate) fn read_dataset(
    body: &[u8],
    ts: &TransferSyntax,
) -> Result<InMemDicomObject, GuardedError> {
    let exceeded = Rc::new(Cell::new(None));
    let result = match ts.codec() {
        Codec::Dataset(Some(adapter)) => {
            let inflated = adapter.adapt_reader(Box::new(body));
            let budget = (body.len() as u64).saturating_mul(MAX_DEFLATE_RATIO);
            read_with(inflated, ts, budget, &exceeded)
        }
        _ => read_with(body, ts, body.len() as u64, &exceeded),
    };
    if let Some((tag, declared, remaining)) = exceeded.get() {
        return Err(GuardedError::TooLong {
            tag,
            declared,
            remaining,
        });
    }
    result
}

fn read_with<R: Read>(
    source: R,
    ts: &TransferSyntax,
    budget: u64,
    exceeded: &Excess,
) -> Result<InMemDicomObject, GuardedError> {
    let decoder = StatefulDecoder::new_with(source, ts, SpecificCharacterSet::default(), 0)
        .map_err(|e| GuardedError::Parse(crate::io::error_chain(&e)))?;
    let guarded = Guarded {
        inner: decoder,
        budget,
        exceeded: Rc::clone(exceeded),
    };
    InMemDicomObject::read_dataset(guarded)
        .map_err(|e| GuardedError::Parse(crate::io::error_chain(&e)))
}

/// A decoder that never lets a declared length exceed what remains.
struct Guarded<D> {
    inner: D,
    /// Bytes the data set can hold at most.
    budget: u64,
    /// The first excessive length seen: (tag, declared, remaining).
    exceeded: Excess,
}

impl<D: StatefulDecode> Guarded<D> {
    fn remaining(&self) -> u64 {
        self.budget.saturating_sub(self.inner.position())
    }

    /// `length`, or what remains if that is less (remembering the excess).
    fn bound(&self, tag: Option<Tag>, length: u32) -> u32 {
        let remaining = self.remaining();
        if u64::from(length) <= remaining {
            return length;
        }
        if self.exceeded.get().is_none() {
            self.exceeded.set(Some((tag, length, remaining)));
        }
        remaining as u32
    }
}

impl<D: StatefulDecode> StatefulDecode for Guarded<D> {
    type Reader = D::Reader;

    fn decode_header(&mut self) -> DecodeResult<DataElementHeader> {
        let mut header = self.inner.decode_header()?;
        if let Some(length) = header.len.get() {
            header.len = Length(self.bound(Some(header.tag), length));
        }
        Ok(header)
    }

    fn decode_item_header(&mut self) -> DecodeResult<SequenceItemHeader> {
        self.inner.decode_item_header()
    }

    fn read_value(&mut self, header: &DataElementHeader) -> DecodeResult<PrimitiveValue> {
        self.inner.read_value(header)
    }

    fn read_value_preserved(&mut self, header: &DataElementHeader) -> DecodeResult<PrimitiveValue> {
        self.inner.read_value_preserved(header)
    }

    fn read_value_bytes(&mut self, header: &DataElementHeader) -> DecodeResult<PrimitiveValue> {
        self.inner.read_value_bytes(header)
    }

    fn read_to_vec(&mut self, length: u32, vec: &mut Vec<u8>) -> DecodeResult<()> {
        let length = self.bound(None, length);
        self.inner.read_to_vec(length, vec)
    }

    fn read_u32_to_vec(&mut self, length: u32, vec: &mut Vec<u32>) -> DecodeResult<()> {
        let length = self.bound(None, length);
        self.inner.read_u32_to_vec(length, vec)
    }

    fn read_to<W>(&mut self, length: u32, out: W) -> DecodeResult<()>
    where
        Self: Sized,
        W: std::io::Write,
    {
        let length = self.bound(None, length);
        self.inner.read_to(length, out)
    }

    fn skip_bytes(&mut self, length: u32) -> DecodeResult<()> {
        self.inner.skip_bytes(length)
    }

    fn seek(&mut self, position: u64) -> DecodeResult<()>
    where
        Self::Reader: std::io::Seek,
    {
        self.inner.seek(position)
    }

    fn position(&self) -> u64 {
        self.inner.position()
    }
}
