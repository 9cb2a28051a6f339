//! Cues within a guided step: when a dose with sides or sets moves to the
//! other side or the next set, the step's own message says so. A cue is an
//! edit of that message, so cues closer than `MIN_GAP_SECONDS` are not given:
//! Discord limits how often a message may be edited, and a line that changes
//! faster than it can be read helps no one.

use crate::content::Dose;

/// The shortest time between two cues of a step (and after its start).
pub const MIN_GAP_SECONDS: u32 = 5;

/// One moment within a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cue {
    /// 1-based, in the order the cues come.
    pub number: u16,
    /// Seconds after the step's prompt.
    pub after_seconds: u32,
    /// The set now starting, 1-based, of `sets`.
    pub set: u32,
    pub sets: u32,
    /// The second side of the set starts (else the first side of a new set).
    pub other_side: bool,
    /// The dose is done on each side.
    pub per_side: bool,
}

/// Every cue of `dose`: sets on one side after the other (set 1 first side,
/// set 1 other side, set 2 first side…), a cue where each part after the
/// first begins.
pub fn cues(dose: &Dose) -> Vec<Cue> {
    let (sets, sides, part) = (dose.sets.max(1), dose.sides(), dose.set_seconds());
    if part < MIN_GAP_SECONDS || sets * sides < 2 {
        return Vec::new();
    }
    (1..sets * sides)
        .zip(1..)
        .map(|(index, number)| Cue {
            number,
            after_seconds: index * part,
            set: index / sides + 1,
            sets,
            other_side: index % sides == 1,
            per_side: dose.per_side,
        })
        .collect()
}

/// The cue numbered `number` of `dose`.
pub fn cue(dose: &Dose, number: u16) -> Option<Cue> {
    cues(dose).into_iter().find(|c| c.number == number)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dose(hold: u32, per_side: bool, sets: u32) -> Dose {
        Dose {
            hold_seconds: Some(hold),
            reps: None,
            seconds_per_rep: None,
            seconds: None,
            per_side,
            sets,
        }
    }

    #[test]
    fn sides_alternate_within_each_set() {
        let got: Vec<(u32, u32, bool)> = cues(&dose(15, true, 2))
            .iter()
            .map(|c| (c.after_seconds, c.set, c.other_side))
            .collect();
        assert_eq!(got, [(15, 1, true), (30, 2, false), (45, 2, true)]);
    }

    #[test]
    fn sets_without_sides_cue_each_new_set() {
        let got: Vec<(u32, u32, bool)> = cues(&dose(10, false, 3))
            .iter()
            .map(|c| (c.after_seconds, c.set, c.other_side))
            .collect();
        assert_eq!(got, [(10, 2, false), (20, 3, false)]);
    }

    #[test]
    fn one_side_once_has_no_cue_and_fast_parts_are_not_cued() {
        assert!(cues(&dose(60, false, 1)).is_empty());
        assert!(cues(&dose(MIN_GAP_SECONDS - 1, true, 3)).is_empty());
        assert_eq!(cues(&dose(MIN_GAP_SECONDS, true, 3)).len(), 5);
    }

    #[test]
    fn reps_per_side_switch_once_halfway() {
        let d = Dose {
            hold_seconds: None,
            reps: Some(10),
            seconds_per_rep: Some(4),
            seconds: None,
            per_side: true,
            sets: 1,
        };
        assert_eq!(
            cues(&d),
            [Cue {
                number: 1,
                after_seconds: 40,
                set: 1,
                sets: 1,
                other_side: true,
                per_side: true,
            }]
        );
        assert_eq!(cue(&d, 1).map(|c| c.after_seconds), Some(40));
        assert_eq!(cue(&d, 2), None);
    }
}
