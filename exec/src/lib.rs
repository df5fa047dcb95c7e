//! placeholder: written by issue 4
