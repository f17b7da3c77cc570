//! How the values of a scenario file are read, so that a mistake is told in
//! TOML's words and the scenario's, never in Rust's: a key that wants a
//! whole number says `expected a whole number from 0 to 4294967295` (not
//! `u32`), a table says `expected a table` (not `struct ShellParams`), and a
//! table is never read from an array (serde would take `shells = [1]` for
//! `[shells] initial = 1`).
//!
//! What was found instead is described by [`describe`], from the value
//! written at the place of the error: `string "x"`, ``integer `-1` ``,
//! ``float `1.5` ``, ``boolean `true` ``, ``datetime `1979-05-27` ``, `array`,
//! `table`.

use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, Unexpected, Visitor};
use std::fmt;
use std::marker::PhantomData;
use toml::de::DeValue;

/// A whole number of a scenario: a count of processes, a weight, a seed.
pub trait Whole: Sized {
    /// The largest value the key takes.
    const MAX: u64;
    fn from_u64(n: u64) -> Self;
}

impl Whole for u32 {
    const MAX: u64 = u32::MAX as u64;
    fn from_u64(n: u64) -> u32 {
        n as u32
    }
}

impl Whole for u64 {
    /// TOML's integers stop at 2^63 - 1.
    const MAX: u64 = i64::MAX as u64;
    fn from_u64(n: u64) -> u64 {
        n
    }
}

/// A whole number from `min` to `max`.
struct WholeVisitor {
    min: u64,
    max: u64,
}

impl<'de> Visitor<'de> for WholeVisitor {
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a whole number from {} to {}", self.min, self.max)
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<u64, E> {
        if (self.min..=self.max).contains(&n) { Ok(n) } else { Err(E::invalid_value(Unexpected::Unsigned(n), &self)) }
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<u64, E> {
        match u64::try_from(n) {
            Ok(n) => self.visit_u64(n),
            Err(_) => Err(E::invalid_value(Unexpected::Signed(n), &self)),
        }
    }

    /// An integer beyond TOML's 64 bits, which toml still reads.
    fn visit_i128<E: de::Error>(self, n: i128) -> Result<u64, E> {
        Err(E::invalid_value(Unexpected::Other(&format!("integer `{n}`")), &self))
    }

    fn visit_u128<E: de::Error>(self, n: u128) -> Result<u64, E> {
        Err(E::invalid_value(Unexpected::Other(&format!("integer `{n}`")), &self))
    }
}

/// Reads a whole number from 0 to `T::MAX` (`deserialize_with`).
pub fn whole<'de, D: Deserializer<'de>, T: Whole>(d: D) -> Result<T, D::Error> {
    whole_in(d, 0, T::MAX).map(T::from_u64)
}

/// Reads a whole number from `min` to `max`.
pub fn whole_in<'de, D: Deserializer<'de>>(d: D, min: u64, max: u64) -> Result<u64, D::Error> {
    d.deserialize_any(WholeVisitor { min, max })
}

/// A whole number from 0 to `T::MAX`, as a value of a map read by hand.
pub struct WholeSeed<T>(pub PhantomData<T>);

impl<'de, T: Whole> DeserializeSeed<'de> for WholeSeed<T> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        whole(d)
    }
}

/// A number — an integer or a float — that the message of a mistake calls
/// `expecting` (`a number`, `a probability from 0 to 1`).
pub fn number<'de, D: Deserializer<'de>>(d: D, expecting: &'static str) -> Result<f64, D::Error> {
    struct NumberVisitor(&'static str);
    impl<'de> Visitor<'de> for NumberVisitor {
        type Value = f64;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
        fn visit_f64<E: de::Error>(self, x: f64) -> Result<f64, E> {
            Ok(x)
        }
        fn visit_i64<E: de::Error>(self, n: i64) -> Result<f64, E> {
            Ok(n as f64)
        }
        fn visit_u64<E: de::Error>(self, n: u64) -> Result<f64, E> {
            Ok(n as f64)
        }
        fn visit_i128<E: de::Error>(self, n: i128) -> Result<f64, E> {
            Ok(n as f64)
        }
        fn visit_u128<E: de::Error>(self, n: u128) -> Result<f64, E> {
            Ok(n as f64)
        }
    }
    d.deserialize_any(NumberVisitor(expecting))
}

/// A number, integer or float.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Number(pub f64);

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Number, D::Error> {
        number(d, "a number").map(Number)
    }
}

/// Reads a table into `T` (a struct whose `expecting` says what table),
/// refusing every other kind of value — an array above all, which serde
/// would otherwise read as the struct's fields in order (`deserialize_with`).
pub fn table<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    TableSeed(PhantomData).deserialize(d)
}

/// Reads a table that may be left out (`deserialize_with`, with `default`
/// for when it is): as [`table`], `Some` when written.
pub fn optional_table<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    table(d).map(Some)
}

/// `T`, read from a table only.
pub struct TableSeed<T>(pub PhantomData<T>);

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for TableSeed<T> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        T::deserialize(OnlyTables(d))
    }
}

/// A deserializer that hands `T`'s visitor a table, and nothing else.
struct OnlyTables<D>(D);

impl<'de, D: Deserializer<'de>> Deserializer<'de> for OnlyTables<D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_any(OnlyMaps(visitor))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_struct(name, fields, OnlyMaps(visitor))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

/// A visitor that takes only a table (a map), and passes it on.
struct OnlyMaps<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for OnlyMaps<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        let expecting = Expecting(&self.0).to_string();
        self.0.visit_map(NoDatetime { map, expecting })
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<V::Value, A::Error> {
        Err(de::Error::invalid_type(Unexpected::Other("array"), &self))
    }
}

/// What a visitor expects, to display.
struct Expecting<'a, V>(&'a V);

impl<'de, V: Visitor<'de>> fmt::Display for Expecting<'_, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }
}

/// The key under which toml hands a datetime to a visitor, as a map of one
/// entry.
pub const DATETIME_KEY: &str = "$__toml_private_datetime";

/// The entries of a table, where a datetime (which toml hands over as a
/// table of one private key) is the mistake it is, not an unknown key.
struct NoDatetime<A> {
    map: A,
    expecting: String,
}

/// A key, read as a string and handed on to `seed` unless it is
/// [`DATETIME_KEY`] (read within toml's reading of the key, so that an
/// unknown key is placed on its own line).
struct Key<'a, K> {
    seed: K,
    expecting: &'a str,
}

impl<'de, K: DeserializeSeed<'de>> DeserializeSeed<'de> for Key<'_, K> {
    type Value = K::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<K::Value, D::Error> {
        let key = String::deserialize(d)?;
        if key == DATETIME_KEY {
            return Err(de::Error::invalid_type(Unexpected::Other("datetime"), &self.expecting));
        }
        self.seed.deserialize(de::value::StringDeserializer::new(key))
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for NoDatetime<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        self.map.next_key_seed(Key { seed, expecting: &self.expecting })
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(seed)
    }
}

/// What a value written in a scenario is, in TOML's words: its type, and
/// the value as written when it is short (a number, a string, a date).
pub fn describe(value: &DeValue<'_>, written: &str) -> String {
    match value {
        DeValue::Array(_) | DeValue::Table(_) => value.type_str().to_owned(),
        DeValue::String(_) => format!("string {written}"),
        _ => format!("{} `{written}`", value.type_str()),
    }
}
