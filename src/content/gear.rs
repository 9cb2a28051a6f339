//! What an exercise may need. The content names these and nothing else, so
//! a person's choice of equipment can always be matched against it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One thing an exercise needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Gear {
    #[serde(rename = "tennis ball")]
    TennisBall,
    #[serde(rename = "golf ball")]
    GolfBall,
    #[serde(rename = "towel")]
    Towel,
    #[serde(rename = "chair")]
    Chair,
    #[serde(rename = "step")]
    Step,
    /// Room to sit or lie on the floor: everyone has it, so nobody is asked.
    #[serde(rename = "floor space")]
    FloorSpace,
}

impl Gear {
    /// What a person may say they have or lack, in the order they are offered.
    pub const CHOICES: [Gear; 5] = [
        Gear::TennisBall,
        Gear::GolfBall,
        Gear::Towel,
        Gear::Chair,
        Gear::Step,
    ];

    /// As the content files and people write it.
    pub fn name(self) -> &'static str {
        match self {
            Gear::TennisBall => "tennis ball",
            Gear::GolfBall => "golf ball",
            Gear::Towel => "towel",
            Gear::Chair => "chair",
            Gear::Step => "step",
            Gear::FloorSpace => "floor space",
        }
    }

    /// Its bit in a set of choices; `None` for what nobody is asked about.
    pub fn bit(self) -> Option<u8> {
        Gear::CHOICES
            .iter()
            .position(|g| *g == self)
            .map(|i| 1 << i)
    }
}

impl fmt::Display for Gear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
