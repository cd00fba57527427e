use super::*;

#[test]
fn the_table_is_complete_and_sorted() {
    assert_eq!(table().len(), 621);
    assert_eq!(safe_private_table().len(), 479);
    // Every exact row is found by its own tag.
    for row in table() {
        if let TagPattern::Exact(g, e) = row.tag {
            assert!(
                std::ptr::eq(row_for(Tag(g, e)).unwrap(), row),
                "{}",
                row.name
            );
        }
    }
    let creators: Vec<_> = safe_private_table()
        .iter()
        .map(|r| (r.creator, r.group, r.offset))
        .collect();
    assert!(
        creators.windows(2).all(|w| w[0] < w[1]),
        "binary search needs sorted rows"
    );
}

#[test]
fn patterns_cover_repeating_groups_and_private_tags() {
    assert_eq!(row_for(Tag(0x6002, 0x3000)).unwrap().name, "Overlay Data");
    assert_eq!(
        row_for(Tag(0x601E, 0x4000)).unwrap().name,
        "Overlay Comments"
    );
    assert_eq!(row_for(Tag(0x5010, 0x0005)).unwrap().name, "Curve Data");
    assert_eq!(
        row_for(Tag(0x0009, 0x1001)).unwrap().name,
        "Private Attributes"
    );
    assert_eq!(row_for(Tag(0x0010, 0x0010)).unwrap().name, "Patient's Name");
    assert!(
        row_for(Tag(0x0028, 0x0010)).is_none(),
        "Rows is not in the table"
    );
    assert!(
        row_for(Tag(0x6000, 0x0010)).is_none(),
        "Overlay Rows is not in the table"
    );
    assert_eq!(
        row_for(Tag(0x6000, 0x3000)).unwrap().tag_text(),
        "(60xx,3000)"
    );
    assert_eq!(
        row_for(Tag(0x5000, 0x0000)).unwrap().tag_text(),
        "(50xx,xxxx)"
    );
}

#[test]
fn combined_codes_resolve_to_valid_non_retaining_actions() {
    let expected = [
        (BasicCode::ZD, ActionCode::D),
        (BasicCode::XD, ActionCode::D),
        (BasicCode::XZD, ActionCode::D),
        (BasicCode::XZ, ActionCode::Z),
        (BasicCode::XZU, ActionCode::U),
        (BasicCode::X, ActionCode::X),
    ];
    for (code, action) in expected {
        assert_eq!(code.resolve(), action, "{}", code.as_str());
    }
    // No basic code in the table resolves to Keep.
    assert!(table().iter().all(|r| r.basic.resolve() != ActionCode::K));
}

#[test]
fn options_change_the_actions_they_list() {
    let name = row_for(Tag(0x0008, 0x0080)).unwrap(); // Institution Name, X/Z/D
    assert_eq!(Profile::basic().action_for_row(name), (ActionCode::D, None));
    let kept = Profile::basic().dangerous().retain_institution_identity();
    assert_eq!(
        kept.action_for_row(name),
        (
            ActionCode::K,
            Some(ProfileOption::RetainInstitutionIdentity)
        )
    );

    let study_date = row_for(Tag(0x0008, 0x0020)).unwrap();
    assert_eq!(Profile::basic().action_for_row(study_date).0, ActionCode::Z);
    let shifted = Profile::basic().retain_modified_dates();
    assert_eq!(shifted.action_for_row(study_date).0, ActionCode::C);
    let full = shifted.clone().dangerous().retain_full_dates();
    assert_eq!(full.action_for_row(study_date).0, ActionCode::K);
    assert!(!full.has(ProfileOption::RetainLongitudinalModifiedDates));

    // Clean wins over Keep when two chosen options disagree.
    let calibration = row_for(Tag(0x0018, 0x1200)).unwrap(); // Date of Last Calibration
    let both = Profile::basic()
        .retain_modified_dates()
        .dangerous()
        .retain_device_identity();
    assert_eq!(both.action_for_row(calibration).0, ActionCode::C);
    let device_only = Profile::basic().dangerous().retain_device_identity();
    assert_eq!(device_only.action_for_row(calibration).0, ActionCode::K);
}

#[test]
fn dangerous_options_need_explicit_consent() {
    for option in ProfileOption::ALL {
        let result = Profile::from_options(&[option], false);
        assert_eq!(result.is_err(), option.is_dangerous(), "{option}");
        assert!(Profile::from_options(&[option], true).unwrap().has(option));
        assert_eq!(ProfileOption::from_name(option.name()), Some(option));
        assert!(option.code_value().starts_with("1131"));
    }
    assert_eq!(
        Profile::from_options(
            &[
                ProfileOption::RetainLongitudinalFullDates,
                ProfileOption::RetainLongitudinalModifiedDates
            ],
            true
        ),
        Err(ProfileError::ConflictingOptions)
    );
}

#[test]
fn safe_private_matches_creator_group_and_offset() {
    assert!(is_safe_private("Philips PET Private Group", 0x7053, 0x00));
    assert!(is_safe_private("Philips PET Private Group ", 0x7053, 0x09));
    assert!(is_safe_private("ELSCINT1", 0x00E1, 0x21));
    assert!(!is_safe_private("ELSCINT1", 0x00E3, 0x21), "group matters");
    assert!(!is_safe_private("ELSCINT2", 0x00E1, 0x21));
    assert!(!is_safe_private("Philips PET Private Group", 0x7053, 0x01));
}
