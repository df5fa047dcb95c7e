//! placeholder: written by issue 2
