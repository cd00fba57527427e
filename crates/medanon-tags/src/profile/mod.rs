//! PS3.15 Annex E: the Basic Application Level Confidentiality Profile, its
//! options, and how each attribute's action is chosen.
//!
//! The action table is data, not code: `table.rs` holds the 621 rows of
//! Table E.1-1 and `safe_private.rs` the 479 rows of Table E.3.10-1, both
//! generated from the shared JSON extractions by `tests/generated_tables.rs`
//! (which also checks that they still match).

// Generated files: kept exactly as the generator writes them.
#[rustfmt::skip]
mod safe_private;
#[rustfmt::skip]
mod table;

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use dicom_core::Tag;

/// An action code of Table E.1-1's Basic Profile column.
///
/// The combined codes (`Z/D`, `X/Z`, ...) let the standard defer to the IOD's
/// Type of the attribute, which a generic tool does not know; [`resolve`](BasicCode::resolve)
/// picks the choice that keeps any IOD valid and never keeps the original.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BasicCode {
    /// Replace with a non-zero-length dummy value consistent with the VR.
    D,
    /// Replace with a zero-length value (or a dummy).
    Z,
    /// Remove.
    X,
    /// Keep.
    K,
    /// Clean: keep values of similar meaning without identifying information.
    C,
    /// Replace with a UID consistent within the set of instances.
    U,
    /// `Z/D`: Z for Type 2, D for Type 1 attributes.
    ZD,
    /// `X/Z`: X for Type 3, Z for Type 2 attributes.
    XZ,
    /// `X/D`: X for Type 3, D for Type 1 attributes.
    XD,
    /// `X/Z/D`: X for Type 3, Z for Type 2, D for Type 1 attributes.
    XZD,
    /// `X/Z/U*`: X for Type 3, Z for Type 2, and for Type 1 sequences the
    /// UIDs of the items replaced.
    XZU,
}

impl BasicCode {
    /// The single action used when the attribute's Type is not known.
    ///
    /// | code | resolves to | why |
    /// |---|---|---|
    /// | `Z/D`, `X/D`, `X/Z/D` | D | a dummy is valid for Type 1, 2 and 3 |
    /// | `X/Z` | Z | an empty value is valid for Type 2 and 3 |
    /// | `X/Z/U*` | U | items kept, their UIDs replaced (valid for every Type) |
    ///
    /// None of the choices keeps an original value: dummies are fixed,
    /// empty values empty, and item contents go through the profile too.
    pub fn resolve(self) -> ActionCode {
        match self {
            BasicCode::D | BasicCode::ZD | BasicCode::XD | BasicCode::XZD => ActionCode::D,
            BasicCode::Z | BasicCode::XZ => ActionCode::Z,
            BasicCode::X => ActionCode::X,
            BasicCode::K => ActionCode::K,
            BasicCode::C => ActionCode::C,
            BasicCode::U | BasicCode::XZU => ActionCode::U,
        }
    }

    /// The code as written in the standard (`X/Z/U*`).
    pub fn as_str(self) -> &'static str {
        match self {
            BasicCode::D => "D",
            BasicCode::Z => "Z",
            BasicCode::X => "X",
            BasicCode::K => "K",
            BasicCode::C => "C",
            BasicCode::U => "U",
            BasicCode::ZD => "Z/D",
            BasicCode::XZ => "X/Z",
            BasicCode::XD => "X/D",
            BasicCode::XZD => "X/Z/D",
            BasicCode::XZU => "X/Z/U*",
        }
    }
}

/// An action code of an option column of Table E.1-1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OptionCode {
    /// Keep.
    K,
    /// Clean.
    C,
}

/// One of the six single actions an attribute ends up with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionCode {
    /// Replace with a dummy value.
    D,
    /// Replace with an empty value.
    Z,
    /// Remove.
    X,
    /// Keep.
    K,
    /// Clean.
    C,
    /// Replace the UID.
    U,
}

impl ActionCode {
    /// The letter of the code.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionCode::D => "D",
            ActionCode::Z => "Z",
            ActionCode::X => "X",
            ActionCode::K => "K",
            ActionCode::C => "C",
            ActionCode::U => "U",
        }
    }
}

impl fmt::Display for ActionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The options of the Basic Profile (PS3.15 E.3), with their CID 7050 codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ProfileOption {
    /// Retain Safe Private Option (113111).
    RetainSafePrivate,
    /// Retain UIDs Option (113110). Dangerous: links to the originals.
    RetainUids,
    /// Retain Device Identity Option (113109). Dangerous.
    RetainDeviceIdentity,
    /// Retain Institution Identity Option (113112). Dangerous.
    RetainInstitutionIdentity,
    /// Retain Patient Characteristics Option (113108).
    RetainPatientCharacteristics,
    /// Retain Longitudinal Temporal Information with Full Dates Option (113106). Dangerous.
    RetainLongitudinalFullDates,
    /// Retain Longitudinal Temporal Information with Modified Dates Option (113107):
    /// dates shifted by a keyed per-patient offset that keeps intervals.
    RetainLongitudinalModifiedDates,
    /// Clean Descriptors Option (113105).
    CleanDescriptors,
    /// Clean Structured Content Option (113104).
    CleanStructuredContent,
    /// Clean Graphics Option (113103).
    CleanGraphics,
}

impl ProfileOption {
    /// Every option, in table-column order.
    pub const ALL: [ProfileOption; 10] = [
        ProfileOption::RetainSafePrivate,
        ProfileOption::RetainUids,
        ProfileOption::RetainDeviceIdentity,
        ProfileOption::RetainInstitutionIdentity,
        ProfileOption::RetainPatientCharacteristics,
        ProfileOption::RetainLongitudinalFullDates,
        ProfileOption::RetainLongitudinalModifiedDates,
        ProfileOption::CleanDescriptors,
        ProfileOption::CleanStructuredContent,
        ProfileOption::CleanGraphics,
    ];

    /// The CID 7050 code value (coding scheme `DCM`).
    pub fn code_value(self) -> &'static str {
        match self {
            ProfileOption::RetainSafePrivate => "113111",
            ProfileOption::RetainUids => "113110",
            ProfileOption::RetainDeviceIdentity => "113109",
            ProfileOption::RetainInstitutionIdentity => "113112",
            ProfileOption::RetainPatientCharacteristics => "113108",
            ProfileOption::RetainLongitudinalFullDates => "113106",
            ProfileOption::RetainLongitudinalModifiedDates => "113107",
            ProfileOption::CleanDescriptors => "113105",
            ProfileOption::CleanStructuredContent => "113104",
            ProfileOption::CleanGraphics => "113103",
        }
    }

    /// The CID 7050 code meaning.
    pub fn code_meaning(self) -> &'static str {
        match self {
            ProfileOption::RetainSafePrivate => "Retain Safe Private Option",
            ProfileOption::RetainUids => "Retain UIDs Option",
            ProfileOption::RetainDeviceIdentity => "Retain Device Identity Option",
            ProfileOption::RetainInstitutionIdentity => "Retain Institution Identity Option",
            ProfileOption::RetainPatientCharacteristics => "Retain Patient Characteristics Option",
            ProfileOption::RetainLongitudinalFullDates => {
                "Retain Longitudinal Temporal Information Full Dates Option"
            }
            ProfileOption::RetainLongitudinalModifiedDates => {
                "Retain Longitudinal Temporal Information Modified Dates Option"
            }
            ProfileOption::CleanDescriptors => "Clean Descriptors Option",
            ProfileOption::CleanStructuredContent => "Clean Structured Content Option",
            ProfileOption::CleanGraphics => "Clean Graphics Option",
        }
    }

    /// The name used in recipe files and on the command line (`retain-safe-private`).
    pub fn name(self) -> &'static str {
        match self {
            ProfileOption::RetainSafePrivate => "retain-safe-private",
            ProfileOption::RetainUids => "retain-uids",
            ProfileOption::RetainDeviceIdentity => "retain-device-identity",
            ProfileOption::RetainInstitutionIdentity => "retain-institution-identity",
            ProfileOption::RetainPatientCharacteristics => "retain-patient-characteristics",
            ProfileOption::RetainLongitudinalFullDates => "retain-longitudinal-full-dates",
            ProfileOption::RetainLongitudinalModifiedDates => "retain-longitudinal-modified-dates",
            ProfileOption::CleanDescriptors => "clean-descriptors",
            ProfileOption::CleanStructuredContent => "clean-structured-content",
            ProfileOption::CleanGraphics => "clean-graphics",
        }
    }

    /// Parses [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.name() == name)
    }

    /// Whether the option keeps values that identify people, places or
    /// devices, or links to the originals: such options are only set through
    /// [`Profile::dangerous`].
    pub fn is_dangerous(self) -> bool {
        matches!(
            self,
            ProfileOption::RetainUids
                | ProfileOption::RetainDeviceIdentity
                | ProfileOption::RetainInstitutionIdentity
                | ProfileOption::RetainLongitudinalFullDates
        )
    }
}

impl fmt::Display for ProfileOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which attributes a row of Table E.1-1 covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TagPattern {
    /// One tag (group, element).
    Exact(u16, u16),
    /// Repeating groups: (group, group mask, element, element mask).
    Masked(u16, u16, u16, u16),
    /// Every attribute of an odd group: the private attributes.
    OddGroup,
}

impl TagPattern {
    fn matches(self, tag: Tag) -> bool {
        match self {
            TagPattern::Exact(g, e) => tag == Tag(g, e),
            TagPattern::Masked(g, gm, e, em) => tag.0 & gm == g && tag.1 & em == e,
            TagPattern::OddGroup => tag.0 % 2 == 1,
        }
    }
}

/// A row of Table E.1-1.
#[derive(Debug)]
pub struct Row {
    pub(crate) tag: TagPattern,
    /// The attribute name as the standard writes it.
    pub name: &'static str,
    /// Whether the attribute is in a standard composite IOD.
    pub in_std_comp_iod: bool,
    /// The Basic Profile action.
    pub basic: BasicCode,
    /// The option columns that have a code for this row.
    pub options: &'static [(ProfileOption, OptionCode)],
}

impl Row {
    /// The table's tag text, such as `(0010,0010)` or `(60xx,3000)`.
    pub fn tag_text(&self) -> String {
        match self.tag {
            TagPattern::Exact(g, e) => format!("({g:04X},{e:04X})"),
            TagPattern::Masked(g, gm, e, em) => {
                let part = |v: u16, m: u16| {
                    (0..4)
                        .rev()
                        .map(|i| {
                            if (m >> (i * 4)) & 0xF == 0 {
                                'x'
                            } else {
                                char::from_digit(u32::from((v >> (i * 4)) & 0xF), 16)
                                    .map_or('?', |c| c.to_ascii_uppercase())
                            }
                        })
                        .collect::<String>()
                };
                format!("({},{})", part(g, gm), part(e, em))
            }
            TagPattern::OddGroup => "(gggg,eeee) where gggg is odd".to_owned(),
        }
    }
}

/// All rows of Table E.1-1.
pub fn table() -> &'static [Row] {
    table::TABLE_E1_1
}

/// Finds the row of Table E.1-1 that covers `tag`, if any. Private tags
/// match the "Private Attributes" row.
pub fn row_for(tag: Tag) -> Option<&'static Row> {
    static EXACT: OnceLock<HashMap<Tag, &'static Row>> = OnceLock::new();
    let exact = EXACT.get_or_init(|| {
        table::TABLE_E1_1
            .iter()
            .filter_map(|row| match row.tag {
                TagPattern::Exact(g, e) => Some((Tag(g, e), row)),
                _ => None,
            })
            .collect()
    });
    static PATTERNS: OnceLock<Vec<&'static Row>> = OnceLock::new();
    let patterns = PATTERNS.get_or_init(|| {
        table::TABLE_E1_1
            .iter()
            .filter(|row| !matches!(row.tag, TagPattern::Exact(..)))
            .collect()
    });
    exact
        .get(&tag)
        .copied()
        .or_else(|| patterns.iter().copied().find(|row| row.tag.matches(tag)))
}

/// A row of Table E.3.10-1: a private attribute considered safe to keep.
#[derive(Debug)]
pub struct SafePrivate {
    /// The Private Creator value that reserves the block.
    pub creator: &'static str,
    /// The (odd) group.
    pub group: u16,
    /// The element number within the block (the low byte of the element).
    pub offset: u8,
    /// The VR the standard lists (may be empty or `OW/OB`).
    pub vr: &'static str,
}

/// All rows of Table E.3.10-1.
pub fn safe_private_table() -> &'static [SafePrivate] {
    safe_private::SAFE_PRIVATE
}

/// Whether the private attribute at `offset` of the block that `creator`
/// reserved in `group` is a safe private attribute, whichever block number
/// the creator was given. Creator values are compared without their
/// trailing padding.
pub fn is_safe_private(creator: &str, group: u16, offset: u8) -> bool {
    let creator = creator.trim_end_matches([' ', '\0']);
    safe_private::SAFE_PRIVATE
        .binary_search_by(|row| (row.creator, row.group, row.offset).cmp(&(creator, group, offset)))
        .is_ok()
}

/// The Basic Profile and the options chosen.
///
/// Options that keep no identifying value are methods of `Profile`; those
/// that keep identifying values (UIDs, device and institution identity, full
/// dates) are only reachable through [`dangerous`](Self::dangerous).
///
/// ```
/// use medanon_tags::{Profile, ProfileOption};
///
/// let profile = Profile::basic().clean_descriptors().retain_modified_dates();
/// assert!(profile.has(ProfileOption::RetainLongitudinalModifiedDates));
/// let research = profile.clone().dangerous().retain_device_identity();
/// assert!(research.has(ProfileOption::RetainDeviceIdentity));
/// assert!(!profile.has(ProfileOption::RetainDeviceIdentity));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    /// Sorted, without duplicates.
    options: Vec<ProfileOption>,
}

impl Profile {
    /// The Basic Profile without options.
    pub fn basic() -> Self {
        Profile::default()
    }

    /// A profile with `options`. Dangerous options are refused unless
    /// `allow_dangerous` (a recipe that names them explicitly, say).
    ///
    /// # Errors
    /// [`ProfileError::DangerousOptionRefused`] naming the first dangerous option, or
    /// [`ProfileError::ConflictingOptions`] for full and modified dates together.
    pub fn from_options(
        options: &[ProfileOption],
        allow_dangerous: bool,
    ) -> Result<Self, ProfileError> {
        if options.contains(&ProfileOption::RetainLongitudinalFullDates)
            && options.contains(&ProfileOption::RetainLongitudinalModifiedDates)
        {
            return Err(ProfileError::ConflictingOptions);
        }
        let mut profile = Profile::basic();
        for &option in options {
            if option.is_dangerous() && !allow_dangerous {
                return Err(ProfileError::DangerousOptionRefused(option));
            }
            profile = profile.insert(option);
        }
        Ok(profile)
    }

    /// Retain Safe Private Option: keep the private attributes of Table E.3.10-1.
    pub fn retain_safe_private(self) -> Self {
        self.insert(ProfileOption::RetainSafePrivate)
    }

    /// Retain Patient Characteristics Option: keep age, sex, size, weight and the like.
    pub fn retain_patient_characteristics(self) -> Self {
        self.insert(ProfileOption::RetainPatientCharacteristics)
    }

    /// Retain Longitudinal Temporal Information with Modified Dates Option:
    /// dates shifted by a keyed per-patient offset (replaces full dates).
    pub fn retain_modified_dates(self) -> Self {
        self.insert(ProfileOption::RetainLongitudinalModifiedDates)
    }

    /// Clean Descriptors Option: keep descriptions with identifying text removed.
    pub fn clean_descriptors(self) -> Self {
        self.insert(ProfileOption::CleanDescriptors)
    }

    /// Clean Structured Content Option: keep SR content, cleaned.
    pub fn clean_structured_content(self) -> Self {
        self.insert(ProfileOption::CleanStructuredContent)
    }

    /// Clean Graphics Option: keep graphic annotations, cleaned.
    pub fn clean_graphics(self) -> Self {
        self.insert(ProfileOption::CleanGraphics)
    }

    /// Access to the options that keep identifying values.
    pub fn dangerous(self) -> DangerousOptions {
        DangerousOptions(self)
    }

    fn insert(mut self, option: ProfileOption) -> Self {
        let exclusive = match option {
            ProfileOption::RetainLongitudinalFullDates => {
                Some(ProfileOption::RetainLongitudinalModifiedDates)
            }
            ProfileOption::RetainLongitudinalModifiedDates => {
                Some(ProfileOption::RetainLongitudinalFullDates)
            }
            _ => None,
        };
        self.options.retain(|o| Some(*o) != exclusive);
        if let Err(at) = self.options.binary_search(&option) {
            self.options.insert(at, option);
        }
        self
    }

    /// Whether `option` is chosen.
    pub fn has(&self, option: ProfileOption) -> bool {
        self.options.binary_search(&option).is_ok()
    }

    /// The chosen options, in table-column order.
    pub fn options(&self) -> &[ProfileOption] {
        &self.options
    }

    /// The action for an attribute covered by `row`, and the option that set
    /// it (if any).
    ///
    /// When several chosen options have a code for the row, Clean wins over
    /// Keep (a shifted calibration date rather than the real one when both
    /// device identity and modified dates are retained); otherwise the
    /// resolved Basic Profile code applies.
    pub fn action_for_row(&self, row: &Row) -> (ActionCode, Option<ProfileOption>) {
        let mut chosen: Option<(OptionCode, ProfileOption)> = None;
        for &(option, code) in row.options {
            if self.has(option) && !matches!(chosen, Some((OptionCode::C, _))) {
                chosen = Some((code, option));
            }
        }
        match chosen {
            Some((OptionCode::C, option)) => (ActionCode::C, Some(option)),
            Some((OptionCode::K, option)) => (ActionCode::K, Some(option)),
            None => (row.basic.resolve(), None),
        }
    }
}

/// The options that keep identifying values; see [`Profile::dangerous`].
#[derive(Debug)]
pub struct DangerousOptions(Profile);

impl DangerousOptions {
    /// Retain UIDs Option: keep every UID, which links outputs to the originals.
    pub fn retain_uids(self) -> Profile {
        self.0.insert(ProfileOption::RetainUids)
    }

    /// Retain Device Identity Option: keep device names, serial numbers, AE titles.
    pub fn retain_device_identity(self) -> Profile {
        self.0.insert(ProfileOption::RetainDeviceIdentity)
    }

    /// Retain Institution Identity Option: keep institution names and addresses.
    pub fn retain_institution_identity(self) -> Profile {
        self.0.insert(ProfileOption::RetainInstitutionIdentity)
    }

    /// Retain Longitudinal Temporal Information with Full Dates Option:
    /// keep real dates and times (replaces modified dates).
    pub fn retain_full_dates(self) -> Profile {
        self.0.insert(ProfileOption::RetainLongitudinalFullDates)
    }
}

/// A profile that cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileError {
    /// A dangerous option was given where it is not allowed.
    #[error("option `{0}` keeps identifying values and must be allowed explicitly")]
    DangerousOptionRefused(ProfileOption),
    /// Full and modified dates were both asked for.
    #[error(
        "`retain-longitudinal-full-dates` and `retain-longitudinal-modified-dates` exclude each other"
    )]
    ConflictingOptions,
}

#[cfg(test)]
mod tests;
