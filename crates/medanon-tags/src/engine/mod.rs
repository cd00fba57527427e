//! The de-identification engine: walks a data set, applies each attribute's
//! action at every depth, records what it did, and marks the result.

mod markers;
mod plan;
mod walk;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use dicom_core::header::Header;
use dicom_core::{Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::{DefaultDicomObject, InMemDicomObject};
use medanon_crypto::{KeySet, purpose};
use serde::Serialize;

use crate::action::{
    AttributeAction, Bucketize, Clean, Dummy, Empty, Keep, Pseudonymize, Randomize, Remove,
    ReplaceUid, ScrubTerms, text_values,
};
use crate::error::Result;
use crate::profile::{ActionCode, ProfileOption, row_for};
use crate::recipe::{Recipe, Strategy};

pub(crate) use plan::Override;
pub use plan::Reason;

/// Deepest sequence nesting accepted (real objects stay below 10).
pub const MAX_SEQUENCE_DEPTH: usize = 32;

/// De-identifies DICOM objects with a recipe and keys.
///
/// The same `Deidentifier` (same recipe and keys) gives the same output for
/// the same input on every machine, except for `randomize` overrides. It is
/// `Send + Sync`: share it between threads.
///
/// ```no_run
/// use medanon_crypto::KeySet;
/// use medanon_tags::{Deidentifier, Recipe};
///
/// let keys = KeySet::load("project.key")?.keys;
/// let engine = Deidentifier::new(Recipe::default(), keys);
/// let report = engine.deidentify_file("in.dcm", "out.dcm", false)?;
/// println!("{} attributes changed", report.actions.len());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Deidentifier {
    pub(crate) recipe: Recipe,
    pub(crate) keys: KeySet,
    pub(crate) overrides: HashMap<Tag, Override>,
    /// Whether any action may clean text (the terms are then collected).
    needs_terms: bool,
}

impl std::fmt::Debug for Deidentifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deidentifier")
            .field("profile", &self.recipe.profile)
            .field("overrides", &self.overrides.len())
            .finish_non_exhaustive()
    }
}

/// What was done to one attribute. Serialized (for audit logs) as
/// `{"path": "(0040,A730)[2].(0040,A160)", "action": "remove", "reason": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionRecord {
    /// Where the attribute is.
    pub path: AttributePath,
    /// The action's name (`remove`, `empty`, `dummy`, `pseudonymize`, ...).
    pub action: &'static str,
    /// Why.
    pub reason: Reason,
}

impl Serialize for ActionRecord {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut record = serializer.serialize_struct("ActionRecord", 3)?;
        record.serialize_field("path", &self.path.to_string())?;
        record.serialize_field("action", self.action)?;
        record.serialize_field("reason", &self.reason.to_string())?;
        record.end()
    }
}

/// Where an attribute is: the sequences and items enclosing it, then its tag.
/// Displayed as `(0040,A730)[2].(0040,A160)` (item numbers from 0).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AttributePath {
    /// Enclosing sequence attributes and the item numbers within them, outermost first.
    pub items: Vec<(Tag, usize)>,
    /// The attribute.
    pub tag: Tag,
}

impl AttributePath {
    /// A top-level attribute.
    pub fn top(tag: Tag) -> Self {
        AttributePath {
            items: Vec::new(),
            tag,
        }
    }
}

impl std::fmt::Display for AttributePath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (tag, item) in &self.items {
            write!(f, "({:04X},{:04X})[{item}].", tag.0, tag.1)?;
        }
        write!(f, "({:04X},{:04X})", self.tag.0, self.tag.1)
    }
}

/// The result of de-identifying one object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Every attribute that was changed or removed (kept ones are not listed).
    pub actions: Vec<ActionRecord>,
    /// A keyed pseudonym of the patient, safe for folder names.
    pub patient_pseudonym: String,
    /// The new Study Instance UID (empty if absent).
    pub study_uid: String,
    /// The new Series Instance UID (empty if absent).
    pub series_uid: String,
    /// The new SOP Instance UID (empty if absent).
    pub sop_instance_uid: String,
    /// The date shift applied, when dates were shifted.
    pub date_shift_days: Option<i32>,
}

impl Deidentifier {
    /// An engine for `recipe` with `keys` (pseudonyms, UIDs, date shifts and
    /// encryption of originals all come from them).
    pub fn new(recipe: Recipe, keys: KeySet) -> Self {
        let mut overrides = HashMap::new();
        for (&tag, strategy) in &recipe.overrides {
            overrides.insert(tag, override_of(*strategy));
        }
        let mut engine = Deidentifier {
            recipe,
            keys,
            overrides,
            needs_terms: false,
        };
        engine.needs_terms = engine.compute_needs_terms();
        engine
    }

    /// Uses `action` for every attribute `tag`, at any depth, over the recipe
    /// and the profile.
    pub fn with_action(mut self, tag: Tag, action: Arc<dyn AttributeAction>) -> Self {
        self.overrides.insert(tag, Override::Action(action));
        self.needs_terms = self.compute_needs_terms();
        self
    }

    /// The recipe in use.
    pub fn recipe(&self) -> &Recipe {
        &self.recipe
    }

    fn compute_needs_terms(&self) -> bool {
        let profile = &self.recipe.profile;
        [
            ProfileOption::CleanDescriptors,
            ProfileOption::CleanStructuredContent,
            ProfileOption::CleanGraphics,
            ProfileOption::RetainPatientCharacteristics,
            ProfileOption::RetainDeviceIdentity,
        ]
        .iter()
        .any(|o| profile.has(*o))
            || !self.overrides.is_empty()
    }

    /// De-identifies `object`. The result carries its report.
    ///
    /// # Errors
    /// [`Error::Unsupported`] for objects nested too deeply,
    /// [`Error::Crypto`] if encrypting the originals fails.
    pub fn deidentify(&self, object: DefaultDicomObject) -> Result<(DefaultDicomObject, Report)> {
        self.deidentify_with_values(object, &BTreeMap::new())
    }

    /// De-identifies `object`, then gives the top-level attributes in
    /// `values` the value given (as text of the attribute's VR), or removes
    /// them for `None`. Batch-level strategies such as [slicing](crate::slicing)
    /// use it to write values chosen across files.
    ///
    /// # Errors
    /// As [`deidentify`](Self::deidentify).
    pub fn deidentify_with_values(
        &self,
        object: DefaultDicomObject,
        values: &BTreeMap<Tag, Option<String>>,
    ) -> Result<(DefaultDicomObject, Report)> {
        let meta = object.meta().clone();
        let dataset = object.into_inner();
        let identity = PatientIdentity::of(&dataset);
        let keys = self.keys.pseudonyms();
        let date_shift_days = keys.date_shift_days(
            identity.date_shift_input().as_bytes(),
            &self.recipe.date_shift,
        );
        let terms = if self.needs_terms {
            ScrubTerms::collect(&dataset, &|e| is_identifying(e))
        } else {
            ScrubTerms::default()
        };
        let original = self.recipe.encryption.map(|_| dataset.clone());

        let mut rng = LazyRng::default();
        let mut walker = walk::Walker {
            engine: self,
            ctx: crate::action::ActionContext {
                keys,
                recipe: &self.recipe,
                date_shift_days,
                terms: &terms,
                text_reliable: charset_is_reliable(&dataset),
                rng: &mut rng,
            },
            records: Vec::new(),
            path: Vec::new(),
            encrypt_roots: BTreeSet::new(),
        };
        let mut output = walker.walk(dataset, 0, walk::Mode::Normal)?;
        let mut records = walker.records;
        for (&tag, value) in values {
            set_value(&mut output, tag, value.as_deref());
            records.push(ActionRecord {
                path: AttributePath::top(tag),
                action: "slice",
                reason: Reason::Slicing,
            });
        }
        let encrypt_roots = walker.encrypt_roots;

        if let (Some(settings), Some(original)) = (self.recipe.encryption, original) {
            let item = crate::encrypt::encrypted_attributes_item(
                &self.keys,
                settings,
                &original,
                &meta,
                &output,
                &encrypt_roots,
            )?;
            if let Some(item) = item {
                output.put(dicom_core::DataElement::new(
                    tags::ENCRYPTED_ATTRIBUTES_SEQUENCE,
                    VR::SQ,
                    dicom_core::value::DataSetSequence::from(vec![item]),
                ));
            }
        }
        markers::mark(&mut output, &self.recipe);
        let object = markers::with_new_meta(output, meta, self, &mut records)?;

        let uid = |tag| {
            object
                .get(tag)
                .and_then(|e| e.to_str().ok())
                .map(|s| s.trim_end_matches(['\0', ' ']).to_owned())
                .unwrap_or_default()
        };
        let shifted = self
            .recipe
            .profile
            .has(ProfileOption::RetainLongitudinalModifiedDates)
            || records
                .iter()
                .any(|r| r.action == "pseudonymize" || r.action == "clean");
        let report = Report {
            patient_pseudonym: identity.pseudonym(keys, &self.recipe),
            study_uid: uid(tags::STUDY_INSTANCE_UID),
            series_uid: uid(tags::SERIES_INSTANCE_UID),
            sop_instance_uid: uid(tags::SOP_INSTANCE_UID),
            date_shift_days: shifted.then_some(date_shift_days),
            actions: records,
        };
        Ok((object, report))
    }
}

/// Sets a top-level attribute to `value` (text in the attribute's VR), or
/// removes it.
fn set_value(dataset: &mut InMemDicomObject, tag: Tag, value: Option<&str>) {
    use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry, VirtualVr};
    let Some(value) = value else {
        dataset.remove_element(tag);
        return;
    };
    let vr = dataset.get(tag).map(|e| e.vr()).or_else(|| {
        dicom_dictionary_std::StandardDataDictionary
            .by_tag(tag)
            .and_then(|entry| match entry.vr() {
                VirtualVr::Exact(vr) => Some(vr),
                _ => None,
            })
    });
    let vr = vr.unwrap_or(VR::LO);
    let value = if crate::action::is_text_vr(vr) {
        dicom_core::PrimitiveValue::from(value)
    } else {
        // Binary numbers: parse the text; unparsable values are removed.
        match value.trim().parse::<f64>() {
            Ok(number) => crate::action::number_value(vr, number),
            Err(_) => {
                dataset.remove_element(tag);
                return;
            }
        }
    };
    dataset.put(dicom_core::DataElement::new(tag, vr, value));
}

/// A random generator seeded from the operating system on first use: most
/// objects never need randomness, and seeding costs a system call.
#[derive(Default)]
struct LazyRng(Option<rand::rngs::StdRng>);

impl LazyRng {
    fn get(&mut self) -> &mut rand::rngs::StdRng {
        self.0
            .get_or_insert_with(<rand::rngs::StdRng as rand::SeedableRng>::from_entropy)
    }
}

impl rand::RngCore for LazyRng {
    fn next_u32(&mut self) -> u32 {
        self.get().next_u32()
    }

    fn next_u64(&mut self) -> u64 {
        self.get().next_u64()
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.get().fill_bytes(dest);
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> std::result::Result<(), rand::Error> {
        self.get().try_fill_bytes(dest)
    }
}

/// The engine's action for a recipe strategy.
fn override_of(strategy: Strategy) -> Override {
    let action: Arc<dyn AttributeAction> = match strategy {
        Strategy::Remove => Arc::new(Remove),
        Strategy::Empty => Arc::new(Empty),
        Strategy::Dummy => Arc::new(Dummy),
        Strategy::Keep => Arc::new(Keep),
        Strategy::Clean => Arc::new(Clean),
        Strategy::ReplaceUid => Arc::new(ReplaceUid),
        Strategy::Randomize => Arc::new(Randomize),
        Strategy::Pseudonymize => Arc::new(Pseudonymize),
        Strategy::Bucketize(bucket) => Arc::new(Bucketize(bucket)),
        Strategy::Encrypt => return Override::Encrypt,
    };
    Override::Action(action)
}

/// What identifies the patient: Patient ID with its issuer, else Patient's
/// Name, else the study.
pub(crate) enum PatientIdentity {
    /// Patient ID (0010,0020) and Issuer of Patient ID (0010,0021).
    Id(String, String),
    /// Patient's Name, normalized.
    Name(String),
    /// Study Instance UID (or nothing at all).
    Study(String),
}

impl PatientIdentity {
    pub(crate) fn of(dataset: &InMemDicomObject) -> Self {
        let text = |tag| {
            dataset
                .get(tag)
                .and_then(|e| e.to_str().ok())
                .map(|s| s.trim().to_owned())
                .unwrap_or_default()
        };
        let id = text(tags::PATIENT_ID);
        if !id.is_empty() {
            return PatientIdentity::Id(id, text(tags::ISSUER_OF_PATIENT_ID));
        }
        let name = text(tags::PATIENT_NAME);
        if !name.is_empty() {
            return PatientIdentity::Name(crate::action::normalize_person_name(&name));
        }
        PatientIdentity::Study(text(tags::STUDY_INSTANCE_UID))
    }

    /// The input of the patient's date shift.
    pub(crate) fn date_shift_input(&self) -> String {
        match self {
            PatientIdentity::Id(id, issuer) => format!("id:{id}\\{issuer}"),
            PatientIdentity::Name(name) => format!("name:{name}"),
            PatientIdentity::Study(uid) => format!("study:{uid}"),
        }
    }

    /// The patient's folder pseudonym: the same as the pseudonymized
    /// Patient ID when there is one.
    pub(crate) fn pseudonym(&self, keys: &medanon_crypto::PseudonymKey, recipe: &Recipe) -> String {
        let input = match self {
            PatientIdentity::Id(id, _) => id.clone(),
            other => other.date_shift_input(),
        };
        keys.pseudonym(purpose::PATIENT_ID, input.as_bytes(), &recipe.id_format)
    }
}

/// Whether an attribute holds identifying text worth blanking elsewhere:
/// person names, and text attributes that the profile removes or replaces
/// outright (names, IDs, addresses, institutions, devices). Attributes that
/// some option cleans (descriptions and the like) are not terms: they are
/// what gets cleaned.
fn is_identifying(element: &dicom_object::mem::InMemElement) -> bool {
    let vr = element.vr();
    if vr == VR::PN {
        return true;
    }
    let text = matches!(
        vr,
        VR::LO | VR::SH | VR::ST | VR::LT | VR::UT | VR::UC | VR::AE
    );
    text && row_for(element.tag()).is_some_and(|row| {
        row.basic.resolve() != ActionCode::K
            && !row
                .options
                .iter()
                .any(|(_, code)| *code == crate::profile::OptionCode::C)
    })
}

/// Character sets whose text dicom-rs decodes correctly, one value only.
/// Multi-valued ISO 2022 sets switch by escape sequences, which it does not
/// follow, so text in them cannot be searched for identifying terms.
fn charset_is_reliable(dataset: &InMemDicomObject) -> bool {
    const SUPPORTED: [&str; 17] = [
        "ISO_IR 6",
        "ISO_IR 100",
        "ISO_IR 101",
        "ISO_IR 109",
        "ISO_IR 110",
        "ISO_IR 126",
        "ISO_IR 127",
        "ISO_IR 138",
        "ISO_IR 144",
        "ISO_IR 166",
        "ISO_IR 192",
        "GB18030",
        "GBK",
        "ISO 2022 IR 6",
        "ISO 2022 IR 100",
        "ISO 2022 IR 101",
        "ISO 2022 IR 144",
    ];
    let Some(element) = dataset.get(tags::SPECIFIC_CHARACTER_SET) else {
        return true;
    };
    let values: Vec<String> = text_values(element)
        .unwrap_or_default()
        .into_iter()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .collect();
    match values.as_slice() {
        [] => true,
        [one] => SUPPORTED.contains(&one.as_str()),
        _ => false,
    }
}
