//! Smithy RPC v2 CBOR bodies, to and from the JSON values the handlers read and write.
//!
//! The generated types speak serde JSON, so a CBOR request is decoded into the equivalent JSON
//! value (tag-1 timestamps become epoch seconds, byte strings base64 text, `undefined` null) and
//! an output value is encoded back, the model's timestamp members as tag 1 (epoch seconds,
//! an integer when whole, else a double), nulls omitted, as the protocol requires.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ciborium::value::{Integer, Value as Cbor};
use serde_json::{Map, Number, Value};

use crate::model::servicediscovery::TIMESTAMP_MEMBERS;

/// CBOR's tag for epoch-based date/time (RFC 8949 §3.4.2).
const EPOCH_TAG: u64 = 1;

/// A request body as JSON; an empty body is an empty input structure.
pub fn decode(body: &[u8]) -> Result<Value, String> {
    if body.is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    let value: Cbor = ciborium::de::from_reader(body).map_err(|e| e.to_string())?;
    match to_json(value)? {
        object @ Value::Object(_) => Ok(object),
        _ => Err("the body must be a CBOR map (the input structure)".into()),
    }
}

fn to_json(value: Cbor) -> Result<Value, String> {
    Ok(match value {
        Cbor::Null => Value::Null,
        Cbor::Bool(b) => Value::Bool(b),
        Cbor::Integer(i) => {
            let i = i128::from(i);
            if let Ok(n) = i64::try_from(i) {
                Value::from(n)
            } else if let Ok(n) = u64::try_from(i) {
                Value::from(n)
            } else {
                return Err(format!("the integer {i} is out of range"));
            }
        }
        Cbor::Float(f) => Number::from_f64(f)
            .map(Value::Number)
            .ok_or_else(|| format!("the number {f} has no JSON form"))?,
        Cbor::Text(s) => Value::String(s),
        Cbor::Bytes(b) => Value::String(STANDARD.encode(b)),
        // A timestamp is its epoch seconds; other tags (bignums are not in this model) keep
        // their content.
        Cbor::Tag(_, inner) => to_json(*inner)?,
        Cbor::Array(items) => {
            Value::Array(items.into_iter().map(to_json).collect::<Result<_, _>>()?)
        }
        Cbor::Map(pairs) => {
            let mut object = Map::new();
            for (key, value) in pairs {
                let Cbor::Text(key) = key else {
                    return Err("a map key must be a text string".into());
                };
                let value = to_json(value)?;
                // null means absent in this protocol.
                if !value.is_null() {
                    object.insert(key, value);
                }
            }
            Value::Object(object)
        }
        _ => Value::Null,
    })
}

/// An output (or error) value as a CBOR body.
pub fn encode(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = ciborium::ser::into_writer(&to_cbor(value, false), &mut out);
    out
}

fn to_cbor(value: &Value, timestamp: bool) -> Cbor {
    match value {
        Value::Null => Cbor::Null,
        Value::Bool(b) => Cbor::Bool(*b),
        Value::Number(n) => {
            let number = number(n);
            if timestamp {
                Cbor::Tag(EPOCH_TAG, Box::new(number))
            } else {
                number
            }
        }
        Value::String(s) => Cbor::Text(s.clone()),
        Value::Array(items) => Cbor::Array(items.iter().map(|v| to_cbor(v, false)).collect()),
        Value::Object(object) => Cbor::Map(
            object
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| {
                    let timestamp = TIMESTAMP_MEMBERS.contains(&k.as_str());
                    (Cbor::Text(k.clone()), to_cbor(v, timestamp))
                })
                .collect(),
        ),
    }
}

/// The smallest exact CBOR number: an integer when the value is whole, else a double.
fn number(n: &Number) -> Cbor {
    if let Some(i) = n.as_i64() {
        return Cbor::Integer(Integer::from(i));
    }
    if let Some(u) = n.as_u64() {
        return Cbor::Integer(Integer::from(u));
    }
    let f = n.as_f64().unwrap_or_default();
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        Cbor::Integer(Integer::from(f as i64))
    } else {
        Cbor::Float(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn timestamps_are_tag_1_and_nulls_are_left_out() {
        let body = encode(&json!({
            "Operation": {"CreateDate": 1700000000.5, "UpdateDate": 1700000001.0, "Id": "x", "ErrorCode": null},
            "InstancesRevision": 3,
        }));
        let value: Cbor = ciborium::de::from_reader(body.as_slice()).unwrap();
        let Cbor::Map(top) = value else { panic!() };
        let operation = &top
            .iter()
            .find(|(k, _)| k == &Cbor::Text("Operation".into()))
            .unwrap()
            .1;
        let Cbor::Map(fields) = operation else {
            panic!()
        };
        let get = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k == &Cbor::Text(name.into()))
                .map(|(_, v)| v.clone())
        };
        assert_eq!(
            get("CreateDate"),
            Some(Cbor::Tag(1, Box::new(Cbor::Float(1700000000.5))))
        );
        assert_eq!(
            get("UpdateDate"),
            Some(Cbor::Tag(1, Box::new(Cbor::Integer(1700000001.into()))))
        );
        assert_eq!(get("ErrorCode"), None);
        assert!(top.contains(&(
            Cbor::Text("InstancesRevision".into()),
            Cbor::Integer(3.into())
        )));
    }

    #[test]
    fn requests_decode_to_the_json_the_handlers_read() {
        let mut body = Vec::new();
        let input = Cbor::Map(vec![
            (Cbor::Text("Name".into()), Cbor::Text("ns".into())),
            (Cbor::Text("MaxResults".into()), Cbor::Integer(5.into())),
            (
                Cbor::Text("When".into()),
                Cbor::Tag(1, Box::new(Cbor::Integer(10.into()))),
            ),
            (Cbor::Text("Gone".into()), Cbor::Null),
        ]);
        ciborium::ser::into_writer(&input, &mut body).unwrap();
        assert_eq!(
            decode(&body).unwrap(),
            json!({"Name": "ns", "MaxResults": 5, "When": 10})
        );
        assert_eq!(decode(b"").unwrap(), json!({}));
        assert!(
            decode(&[0x01]).is_err(),
            "a bare integer is no input structure"
        );
        assert!(decode(&[0xff, 0x00]).is_err());
    }
}
