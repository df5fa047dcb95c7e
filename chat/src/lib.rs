//! placeholder: written by issues 3 and 5
