//! `Duration`, as serde writes it: the struct `Duration { secs, nanos }`.

use std::time::Duration;

use crate::ser::{Serialize, SerializeStruct, Serializer};

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut state = serializer.serialize_struct("Duration", 2)?;
        state.serialize_field("secs", &self.as_secs())?;
        state.serialize_field("nanos", &self.subsec_nanos())?;
        state.end()
    }
}
