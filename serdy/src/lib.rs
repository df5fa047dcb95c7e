//! placeholder: written by issue 3
