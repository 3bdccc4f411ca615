//! The part of ONNX's protobuf schema (`onnx/onnx.proto`, IR version 10+)
//! that tree-ensemble files use, as hand-written `prost` messages: no
//! `protoc`, no build script.
//!
//! Field numbers and types follow `onnx.proto` of onnx/onnx (checked against
//! the file at commit f754691, 2026). Fields not listed here are skipped by
//! the decoder (protobuf's rule for unknown fields); in particular nested
//! graphs (`AttributeProto.g`/`graphs`), sparse tensors, training info and
//! functions are never decoded, so they cannot nest deeply or cost memory.
//! `onnx.proto` is proto2: scalars whose presence matters to `onnx.checker`
//! (an attribute's value fields) are `Option`s here so that a zero is still
//! written; repeated scalars are decoded packed or unpacked and written
//! packed, which every protobuf parser accepts.

/// `TensorProto.DataType` values used here.
pub mod data_type {
    pub const FLOAT: i32 = 1;
    pub const UINT8: i32 = 2;
    pub const INT32: i32 = 6;
    pub const INT64: i32 = 7;
    pub const STRING: i32 = 8;
    pub const FLOAT16: i32 = 10;
    pub const DOUBLE: i32 = 11;

    /// The name ONNX gives a data type, for messages.
    pub fn name(t: i32) -> String {
        match t {
            0 => "UNDEFINED".into(),
            FLOAT => "float".into(),
            UINT8 => "uint8".into(),
            3 => "int8".into(),
            4 => "uint16".into(),
            5 => "int16".into(),
            INT32 => "int32".into(),
            INT64 => "int64".into(),
            STRING => "string".into(),
            9 => "bool".into(),
            FLOAT16 => "float16".into(),
            DOUBLE => "double".into(),
            12 => "uint32".into(),
            13 => "uint64".into(),
            16 => "bfloat16".into(),
            other => format!("data type {other}"),
        }
    }
}

/// `AttributeProto.AttributeType` values used here.
pub mod attribute_type {
    pub const FLOAT: i32 = 1;
    pub const INT: i32 = 2;
    pub const STRING: i32 = 3;
    pub const TENSOR: i32 = 4;
    pub const FLOATS: i32 = 6;
    pub const INTS: i32 = 7;
    pub const STRINGS: i32 = 8;
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ModelProto {
    #[prost(int64, tag = "1")]
    pub ir_version: i64,
    #[prost(message, repeated, tag = "8")]
    pub opset_import: Vec<OperatorSetIdProto>,
    #[prost(string, tag = "2")]
    pub producer_name: String,
    #[prost(string, tag = "3")]
    pub producer_version: String,
    #[prost(string, tag = "4")]
    pub domain: String,
    #[prost(int64, tag = "5")]
    pub model_version: i64,
    #[prost(string, tag = "6")]
    pub doc_string: String,
    #[prost(message, optional, tag = "7")]
    pub graph: Option<GraphProto>,
    #[prost(message, repeated, tag = "14")]
    pub metadata_props: Vec<StringStringEntryProto>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct OperatorSetIdProto {
    /// Empty (or `ai.onnx`) for the default domain.
    #[prost(string, tag = "1")]
    pub domain: String,
    #[prost(int64, tag = "2")]
    pub version: i64,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct StringStringEntryProto {
    #[prost(string, tag = "1")]
    pub key: String,
    #[prost(string, tag = "2")]
    pub value: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct GraphProto {
    #[prost(message, repeated, tag = "1")]
    pub node: Vec<NodeProto>,
    #[prost(string, tag = "2")]
    pub name: String,
    #[prost(message, repeated, tag = "5")]
    pub initializer: Vec<TensorProto>,
    #[prost(string, tag = "10")]
    pub doc_string: String,
    #[prost(message, repeated, tag = "11")]
    pub input: Vec<ValueInfoProto>,
    #[prost(message, repeated, tag = "12")]
    pub output: Vec<ValueInfoProto>,
    #[prost(message, repeated, tag = "16")]
    pub metadata_props: Vec<StringStringEntryProto>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct NodeProto {
    #[prost(string, repeated, tag = "1")]
    pub input: Vec<String>,
    #[prost(string, repeated, tag = "2")]
    pub output: Vec<String>,
    #[prost(string, tag = "3")]
    pub name: String,
    #[prost(string, tag = "4")]
    pub op_type: String,
    #[prost(string, tag = "7")]
    pub domain: String,
    #[prost(message, repeated, tag = "5")]
    pub attribute: Vec<AttributeProto>,
    #[prost(string, tag = "6")]
    pub doc_string: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct AttributeProto {
    #[prost(string, tag = "1")]
    pub name: String,
    /// Set when the attribute refers to a function's attribute (not a value).
    #[prost(string, tag = "21")]
    pub ref_attr_name: String,
    #[prost(string, tag = "13")]
    pub doc_string: String,
    /// An [`attribute_type`] value.
    #[prost(int32, tag = "20")]
    pub r#type: i32,
    #[prost(float, optional, tag = "2")]
    pub f: Option<f32>,
    #[prost(int64, optional, tag = "3")]
    pub i: Option<i64>,
    #[prost(bytes = "vec", optional, tag = "4")]
    pub s: Option<Vec<u8>>,
    #[prost(message, optional, tag = "5")]
    pub t: Option<TensorProto>,
    #[prost(float, repeated, tag = "7")]
    pub floats: Vec<f32>,
    #[prost(int64, repeated, tag = "8")]
    pub ints: Vec<i64>,
    #[prost(bytes = "vec", repeated, tag = "9")]
    pub strings: Vec<Vec<u8>>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct TensorProto {
    #[prost(int64, repeated, tag = "1")]
    pub dims: Vec<i64>,
    /// A [`data_type`] value.
    #[prost(int32, tag = "2")]
    pub data_type: i32,
    #[prost(float, repeated, tag = "4")]
    pub float_data: Vec<f32>,
    #[prost(int32, repeated, tag = "5")]
    pub int32_data: Vec<i32>,
    #[prost(bytes = "vec", repeated, tag = "6")]
    pub string_data: Vec<Vec<u8>>,
    #[prost(int64, repeated, tag = "7")]
    pub int64_data: Vec<i64>,
    #[prost(string, tag = "8")]
    pub name: String,
    #[prost(string, tag = "12")]
    pub doc_string: String,
    #[prost(bytes = "vec", tag = "9")]
    pub raw_data: Vec<u8>,
    /// Where the data is kept: 0 in this file, 1 in an external file.
    #[prost(int32, tag = "14")]
    pub data_location: i32,
    #[prost(double, repeated, tag = "10")]
    pub double_data: Vec<f64>,
    #[prost(uint64, repeated, tag = "11")]
    pub uint64_data: Vec<u64>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ValueInfoProto {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(message, optional, tag = "2")]
    pub r#type: Option<TypeProto>,
    #[prost(string, tag = "3")]
    pub doc_string: String,
    #[prost(message, repeated, tag = "4")]
    pub metadata_props: Vec<StringStringEntryProto>,
}

/// A value's type. Only tensor types are decoded: sequences and maps (as a
/// ZipMap output has) are skipped, so the type reads as "not a tensor".
#[derive(Clone, PartialEq, prost::Message)]
pub struct TypeProto {
    #[prost(message, optional, tag = "1")]
    pub tensor_type: Option<TypeTensor>,
    #[prost(string, tag = "6")]
    pub denotation: String,
}

/// `TypeProto.Tensor`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TypeTensor {
    /// A [`data_type`] value.
    #[prost(int32, tag = "1")]
    pub elem_type: i32,
    #[prost(message, optional, tag = "2")]
    pub shape: Option<TensorShapeProto>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct TensorShapeProto {
    #[prost(message, repeated, tag = "1")]
    pub dim: Vec<Dimension>,
}

/// `TensorShapeProto.Dimension`: a fixed size, a symbolic name, or unknown.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Dimension {
    #[prost(oneof = "DimensionValue", tags = "1, 2")]
    pub value: Option<DimensionValue>,
    #[prost(string, tag = "3")]
    pub denotation: String,
}

#[derive(Clone, PartialEq, prost::Oneof)]
pub enum DimensionValue {
    #[prost(int64, tag = "1")]
    DimValue(i64),
    #[prost(string, tag = "2")]
    DimParam(String),
}

impl Dimension {
    /// The fixed size, when there is one.
    pub fn fixed(&self) -> Option<i64> {
        match self.value {
            Some(DimensionValue::DimValue(v)) => Some(v),
            _ => None,
        }
    }
}

impl AttributeProto {
    /// A list-of-floats attribute.
    pub fn floats(name: &str, v: Vec<f32>) -> AttributeProto {
        AttributeProto {
            name: name.into(),
            r#type: attribute_type::FLOATS,
            floats: v,
            ..Default::default()
        }
    }

    /// A list-of-ints attribute.
    pub fn ints(name: &str, v: Vec<i64>) -> AttributeProto {
        AttributeProto {
            name: name.into(),
            r#type: attribute_type::INTS,
            ints: v,
            ..Default::default()
        }
    }

    /// A list-of-strings attribute.
    pub fn strings(name: &str, v: Vec<Vec<u8>>) -> AttributeProto {
        AttributeProto {
            name: name.into(),
            r#type: attribute_type::STRINGS,
            strings: v,
            ..Default::default()
        }
    }

    /// A one-string attribute.
    pub fn string(name: &str, v: &str) -> AttributeProto {
        AttributeProto {
            name: name.into(),
            r#type: attribute_type::STRING,
            s: Some(v.as_bytes().to_vec()),
            ..Default::default()
        }
    }

    /// A one-int attribute.
    pub fn int(name: &str, v: i64) -> AttributeProto {
        AttributeProto {
            name: name.into(),
            r#type: attribute_type::INT,
            i: Some(v),
            ..Default::default()
        }
    }

    /// A tensor attribute.
    pub fn tensor(name: &str, t: TensorProto) -> AttributeProto {
        AttributeProto {
            name: name.into(),
            r#type: attribute_type::TENSOR,
            t: Some(t),
            ..Default::default()
        }
    }
}

impl TensorProto {
    /// A 1-D tensor of doubles (kept in `double_data`).
    pub fn doubles(v: Vec<f64>) -> TensorProto {
        TensorProto {
            dims: vec![v.len() as i64],
            data_type: data_type::DOUBLE,
            double_data: v,
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    #[test]
    fn field_numbers_match_onnx_proto() {
        // Bytes written by hand from onnx.proto's numbering:
        // ModelProto{ir_version=1: 8, producer_name=2: "p", graph=7: {name=2: "g"}}
        let bytes = [0x08, 0x08, 0x12, 0x01, b'p', 0x3a, 0x03, 0x12, 0x01, b'g'];
        let m = ModelProto::decode(&bytes[..]).unwrap();
        assert_eq!(m.ir_version, 8);
        assert_eq!(m.producer_name, "p");
        assert_eq!(m.graph.unwrap().name, "g");
        // AttributeProto{name=1: "a", i=3: 0, type=20: INT}: a zero value is
        // still written, as onnx.checker wants exactly one value field.
        let a = AttributeProto::int("a", 0);
        assert_eq!(
            a.encode_to_vec(),
            vec![0x0a, 0x01, b'a', 0x18, 0x00, 0xa0, 0x01, 0x02]
        );
        // Unpacked repeated floats (proto2's default) decode like packed ones.
        let unpacked = [0x3d, 0, 0, 0x80, 0x3f, 0x3d, 0, 0, 0, 0x40];
        assert_eq!(
            AttributeProto::decode(&unpacked[..]).unwrap().floats,
            vec![1.0, 2.0]
        );
    }

    #[test]
    fn unknown_and_nested_fields_are_skipped() {
        // AttributeProto with g=6 (a subgraph, not decoded) and name "x".
        let bytes = [0x32, 0x02, 0x12, 0x00, 0x0a, 0x01, b'x'];
        let a = AttributeProto::decode(&bytes[..]).unwrap();
        assert_eq!(a.name, "x");
        // A ValueInfoProto whose type is a sequence (tag 4): no tensor type.
        let v = ValueInfoProto {
            name: "z".into(),
            ..Default::default()
        };
        let mut b = v.encode_to_vec();
        b.extend([0x12, 0x02, 0x22, 0x00]);
        let v = ValueInfoProto::decode(&b[..]).unwrap();
        assert!(v.r#type.unwrap().tensor_type.is_none());
    }
}
