//! The generated code names everything by absolute path, so it compiles
//! without the prelude and next to user items that shadow common names,
//! primitive type names included.

mod util;

mod shadowing {
    #![no_implicit_prelude]
    #![allow(dead_code)]

    // Items named like the ones generated code could be tempted to use.
    pub struct Result;
    pub struct Option;
    pub struct Some;
    pub struct None;
    pub struct Ok;
    pub struct Err;
    pub struct Default;
    pub struct PhantomData;
    pub struct Formatter;
    pub struct Visitor;
    pub struct Serializer;
    pub struct Deserializer;
    pub mod core {}
    pub mod serdy {}
    // Primitive type names are not keywords: a user type can take them.
    #[allow(non_camel_case_types)]
    pub struct u64;
    #[allow(non_camel_case_types)]
    pub struct u32;
    #[allow(non_camel_case_types)]
    pub struct u8;
    #[allow(non_camel_case_types)]
    pub struct str;
    #[allow(non_camel_case_types)]
    pub struct usize;
    #[allow(non_camel_case_types)]
    pub struct bool;

    #[derive(
        ::serdy::Serialize, ::serdy::Deserialize, ::std::fmt::Debug, ::std::cmp::PartialEq,
    )]
    pub struct Message<'a, T> {
        pub room: &'a ::core::primitive::str,
        pub body: T,
        #[serdy(default)]
        pub tags: ::std::vec::Vec<::std::string::String>,
        #[serdy(skip)]
        pub local: ::core::primitive::u8,
    }

    #[derive(
        ::serdy::Serialize, ::serdy::Deserialize, ::std::fmt::Debug, ::std::cmp::PartialEq,
    )]
    #[serdy(deny_unknown_fields)]
    pub enum Event {
        Ping,
        Say(::std::string::String),
        Move(i8, i8),
        Join { room: ::std::string::String },
    }
}

use shadowing::{Event, Message};
use util::{from_value, round_trip, to_value, Mode};

#[test]
fn generated_code_ignores_shadowed_names() {
    let message = Message {
        room: "lobby",
        body: 5u8,
        tags: vec!["a".into()],
        local: 0,
    };
    let named = to_value(&message, Mode::Named);
    assert_eq!(
        from_value::<Message<'_, u8>>(&named, Mode::Named),
        Ok(message)
    );
    round_trip(&Event::Ping);
    round_trip(&Event::Say("hi".into()));
    round_trip(&Event::Move(1, -1));
    round_trip(&Event::Join { room: "r".into() });
}
