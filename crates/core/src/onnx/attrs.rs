//! Reading a node's attributes and tensors, with a typed error for every
//! mismatch: an absent list attribute reads as empty (ONNX Runtime's
//! `GetAttrsOrDefault`), a present one of the wrong type is refused.

use super::OnnxError;
use super::proto::{AttributeProto, NodeProto, TensorProto, attribute_type, data_type};

/// The attributes of one node.
pub struct Attrs<'a> {
    node: &'a NodeProto,
}

fn invalid(msg: String) -> OnnxError {
    OnnxError::Invalid(msg)
}

impl<'a> Attrs<'a> {
    /// Refuses duplicate names and references to a function's attributes.
    pub fn new(node: &'a NodeProto) -> Result<Attrs<'a>, OnnxError> {
        for (i, a) in node.attribute.iter().enumerate() {
            if !a.ref_attr_name.is_empty() {
                return Err(OnnxError::Unsupported(format!(
                    "attribute {} of {} refers to a function attribute.",
                    a.name, node.op_type
                )));
            }
            if node.attribute[..i].iter().any(|b| b.name == a.name) {
                return Err(invalid(format!(
                    "{} has the attribute {} twice.",
                    node.op_type, a.name
                )));
            }
        }
        Ok(Attrs { node })
    }

    fn get(&self, name: &str) -> Option<&'a AttributeProto> {
        self.node.attribute.iter().find(|a| a.name == name)
    }

    /// Whether the node has the attribute at all.
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Names of the node's attributes, for checks against a known list.
    pub fn names(&self) -> impl Iterator<Item = &'a str> {
        self.node.attribute.iter().map(|a| a.name.as_str())
    }

    fn typed(&self, name: &str, want: i32) -> Result<Option<&'a AttributeProto>, OnnxError> {
        match self.get(name) {
            None => Ok(None),
            // Files from before IR version 2 have no type field.
            Some(a) if a.r#type == want || a.r#type == 0 => Ok(Some(a)),
            Some(a) => Err(invalid(format!(
                "attribute {name} of {} has type {} instead of {want}.",
                self.node.op_type, a.r#type
            ))),
        }
    }

    pub fn ints(&self, name: &str) -> Result<&'a [i64], OnnxError> {
        Ok(self
            .typed(name, attribute_type::INTS)?
            .map_or(&[][..], |a| &a.ints[..]))
    }

    pub fn floats(&self, name: &str) -> Result<&'a [f32], OnnxError> {
        Ok(self
            .typed(name, attribute_type::FLOATS)?
            .map_or(&[][..], |a| &a.floats[..]))
    }

    /// A list of strings (bytes that are not UTF-8 are replaced).
    pub fn strings(&self, name: &str) -> Result<Vec<String>, OnnxError> {
        Ok(self
            .typed(name, attribute_type::STRINGS)?
            .map_or_else(Vec::new, |a| {
                a.strings
                    .iter()
                    .map(|s| String::from_utf8_lossy(s).into_owned())
                    .collect()
            }))
    }

    pub fn string(&self, name: &str) -> Result<Option<String>, OnnxError> {
        Ok(self
            .typed(name, attribute_type::STRING)?
            .and_then(|a| a.s.as_ref())
            .map(|s| String::from_utf8_lossy(s).into_owned()))
    }

    pub fn int(&self, name: &str) -> Result<Option<i64>, OnnxError> {
        Ok(self.typed(name, attribute_type::INT)?.and_then(|a| a.i))
    }

    pub fn tensor(&self, name: &str) -> Result<Option<&'a TensorProto>, OnnxError> {
        Ok(self
            .typed(name, attribute_type::TENSOR)?
            .and_then(|a| a.t.as_ref()))
    }
}

/// Number of elements the tensor's dims promise (1 for a scalar), when it
/// fits in memory terms.
fn dims_len(t: &TensorProto) -> Option<usize> {
    t.dims.iter().try_fold(1usize, |acc, &d| {
        usize::try_from(d).ok().and_then(|d| acc.checked_mul(d))
    })
}

fn check_len(t: &TensorProto, len: usize, what: &str) -> Result<(), OnnxError> {
    if t.data_location != 0 {
        return Err(OnnxError::Unsupported(format!(
            "{what} is kept in an external file; mibwatch reads self-contained models only."
        )));
    }
    match dims_len(t) {
        Some(n) if n == len => Ok(()),
        _ => Err(invalid(format!(
            "{what} has {len} values but its shape {:?} says otherwise.",
            t.dims
        ))),
    }
}

/// The values of a float or double tensor as f64, with its data type.
pub fn real_values(t: &TensorProto, what: &str) -> Result<(i32, Vec<f64>), OnnxError> {
    let v: Vec<f64> = match t.data_type {
        data_type::FLOAT if !t.raw_data.is_empty() => {
            if !t.raw_data.len().is_multiple_of(4) {
                return Err(invalid(format!("{what}: raw data is not whole floats.")));
            }
            t.raw_data
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64)
                .collect()
        }
        data_type::FLOAT => t.float_data.iter().map(|&x| x as f64).collect(),
        data_type::DOUBLE if !t.raw_data.is_empty() => {
            if !t.raw_data.len().is_multiple_of(8) {
                return Err(invalid(format!("{what}: raw data is not whole doubles.")));
            }
            t.raw_data
                .chunks_exact(8)
                .map(|b| f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
                .collect()
        }
        data_type::DOUBLE => t.double_data.clone(),
        other => {
            return Err(OnnxError::Unsupported(format!(
                "{what} holds {} values; mibwatch reads float or double.",
                data_type::name(other)
            )));
        }
    };
    check_len(t, v.len(), what)?;
    Ok((t.data_type, v))
}

/// The values of a uint8 tensor (opset 5 `nodes_modes`).
pub fn u8_values(t: &TensorProto, what: &str) -> Result<Vec<u8>, OnnxError> {
    if t.data_type != data_type::UINT8 {
        return Err(invalid(format!(
            "{what} holds {} values instead of uint8.",
            data_type::name(t.data_type)
        )));
    }
    let v: Vec<u8> = if !t.raw_data.is_empty() {
        t.raw_data.clone()
    } else {
        t.int32_data
            .iter()
            .map(|&x| u8::try_from(x).map_err(|_| invalid(format!("{what}: {x} is not a uint8."))))
            .collect::<Result<_, _>>()?
    };
    check_len(t, v.len(), what)?;
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(attrs: Vec<AttributeProto>) -> NodeProto {
        NodeProto {
            op_type: "X".into(),
            attribute: attrs,
            ..Default::default()
        }
    }

    #[test]
    fn absent_lists_are_empty_and_wrong_types_refused() {
        let n = node(vec![
            AttributeProto::ints("a", vec![1, 2]),
            AttributeProto::string("s", "NONE"),
        ]);
        let a = Attrs::new(&n).unwrap();
        assert_eq!(a.ints("a").unwrap(), &[1, 2]);
        assert!(a.floats("b").unwrap().is_empty());
        assert_eq!(a.string("s").unwrap().as_deref(), Some("NONE"));
        assert!(a.floats("a").is_err());
        let dup = node(vec![
            AttributeProto::ints("a", vec![1]),
            AttributeProto::ints("a", vec![2]),
        ]);
        assert!(Attrs::new(&dup).is_err());
    }

    #[test]
    fn tensors_from_typed_fields_and_raw_bytes() {
        let t = TensorProto::doubles(vec![0.5, -2.0]);
        assert_eq!(
            real_values(&t, "t").unwrap(),
            (data_type::DOUBLE, vec![0.5, -2.0])
        );
        let raw = TensorProto {
            dims: vec![2],
            data_type: data_type::FLOAT,
            raw_data: [1.5f32.to_le_bytes(), 3.0f32.to_le_bytes()].concat(),
            ..Default::default()
        };
        assert_eq!(real_values(&raw, "t").unwrap().1, vec![1.5, 3.0]);
        let short = TensorProto {
            dims: vec![3],
            ..raw.clone()
        };
        assert!(real_values(&short, "t").is_err());
        let ints = TensorProto {
            data_type: data_type::INT64,
            ..Default::default()
        };
        assert!(matches!(
            real_values(&ints, "t"),
            Err(OnnxError::Unsupported(_))
        ));
        let modes = TensorProto {
            dims: vec![3],
            data_type: data_type::UINT8,
            raw_data: vec![0, 4, 6],
            ..Default::default()
        };
        assert_eq!(u8_values(&modes, "m").unwrap(), vec![0, 4, 6]);
    }
}
