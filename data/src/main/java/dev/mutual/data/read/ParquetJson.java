package dev.mutual.data.read;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.io.api.RecordMaterializer;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.function.Consumer;

/**
 * Turns Parquet rows into the JSON objects pyarrow's {@code to_pylist} (and the Hub's JSON exports) would give:
 * a column is a key, a struct an object, a LIST a JSON array, a MAP an object, a null (or an unset optional field) a
 * JSON null, so a file's keys are the same on every row. Strings are text (strict UTF-8, as the JSON readers are);
 * numbers keep their type; binary without a string annotation is read as UTF-8 text, other fixed-size binaries as hex.
 */
final class ParquetJson extends RecordMaterializer<ObjectNode> {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final StructConverter root;
    private ObjectNode current;

    ParquetJson(MessageType schema) {
        root = new StructConverter(schema, node -> current = (ObjectNode) node);
    }

    /** A value that cannot become JSON (a string column holding bytes that are not UTF-8); the reader names the row. */
    static final class BadValueException extends RuntimeException {
        BadValueException(String message) {
            super(message);
        }
    }

    @Override
    public ObjectNode getCurrentRecord() {
        return current;
    }

    @Override
    public GroupConverter getRootConverter() {
        return root;
    }

    /** The converter for one field, handing each value it builds to {@code sink}. */
    private static Converter converter(Type type, Consumer<JsonNode> sink) {
        if (type.isPrimitive()) return new ValueConverter(type.asPrimitiveType(), sink);
        GroupType group = type.asGroupType();
        LogicalTypeAnnotation logical = group.getLogicalTypeAnnotation();
        if (logical instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation && group.getFieldCount() == 1 && group.getType(0).isRepetition(Type.Repetition.REPEATED)) {
            return new ListConverter(group, sink);
        }
        if ((logical instanceof LogicalTypeAnnotation.MapLogicalTypeAnnotation || logical instanceof LogicalTypeAnnotation.MapKeyValueTypeAnnotation)
                && group.getFieldCount() == 1 && !group.getType(0).isPrimitive() && group.getType(0).asGroupType().getFieldCount() == 2) {
            return new MapConverter(group, sink);
        }
        return new StructConverter(group, sink);
    }

    /** A struct (or the row itself): an object with every field's key, null until a value arrives. */
    private static final class StructConverter extends GroupConverter {
        private final GroupType type;
        private final Converter[] fields;
        private final Consumer<JsonNode> sink;
        private ObjectNode node;

        StructConverter(GroupType type, Consumer<JsonNode> sink) {
            this.type = type;
            this.sink = sink;
            fields = new Converter[type.getFieldCount()];
            for (int i = 0; i < fields.length; i++) {
                Type field = type.getType(i);
                String name = field.getName();
                // A bare repeated field (no LIST annotation) is a list of its values.
                Consumer<JsonNode> put = field.isRepetition(Type.Repetition.REPEATED)
                        ? value -> ((ArrayNode) node.get(name)).add(value)
                        : value -> node.set(name, value);
                fields[i] = converter(field, put);
            }
        }

        @Override
        public Converter getConverter(int fieldIndex) {
            return fields[fieldIndex];
        }

        @Override
        public void start() {
            node = NODES.objectNode();
            for (Type field : type.getFields()) {
                if (field.isRepetition(Type.Repetition.REPEATED)) node.putArray(field.getName());
                else node.putNull(field.getName());
            }
        }

        @Override
        public void end() {
            sink.accept(node);
        }
    }

    /**
     * A LIST: the repeated field holds the elements directly (a primitive, a group of several fields, or one of the
     * legacy names "array" / "NAME_tuple", as the Parquet spec's compatibility rules say), or wraps one element field
     * that may be null.
     */
    private static final class ListConverter extends GroupConverter {
        private final Converter repeated;
        private final Consumer<JsonNode> sink;
        private ArrayNode array;

        ListConverter(GroupType list, Consumer<JsonNode> sink) {
            this.sink = sink;
            Type rep = list.getType(0);
            boolean elementItself = rep.isPrimitive() || rep.asGroupType().getFieldCount() != 1
                    || rep.getName().equals("array") || rep.getName().equals(list.getName() + "_tuple");
            Consumer<JsonNode> add = value -> array.add(value);
            repeated = elementItself ? converter(rep, add) : new ElementConverter(rep.asGroupType(), add);
        }

        @Override
        public Converter getConverter(int fieldIndex) {
            return repeated;
        }

        @Override
        public void start() {
            array = NODES.arrayNode();
        }

        @Override
        public void end() {
            sink.accept(array);
        }
    }

    /** The 3-level list's repeated wrapper: one element, null when the element field is unset. */
    private static final class ElementConverter extends GroupConverter {
        private final Converter element;
        private final Consumer<JsonNode> sink;
        private JsonNode value;

        ElementConverter(GroupType wrapper, Consumer<JsonNode> sink) {
            this.sink = sink;
            element = converter(wrapper.getType(0), v -> value = v);
        }

        @Override
        public Converter getConverter(int fieldIndex) {
            return element;
        }

        @Override
        public void start() {
            value = NODES.nullNode();
        }

        @Override
        public void end() {
            sink.accept(value);
        }
    }

    /** A MAP: an object from each key's text to its value. */
    private static final class MapConverter extends GroupConverter {
        private final GroupConverter entries;
        private final Consumer<JsonNode> sink;
        private ObjectNode map;

        MapConverter(GroupType type, Consumer<JsonNode> sink) {
            this.sink = sink;
            GroupType entry = type.getType(0).asGroupType();
            JsonNode[] kv = new JsonNode[2];
            Converter key = converter(entry.getType(0), v -> kv[0] = v);
            Converter value = converter(entry.getType(1), v -> kv[1] = v);
            entries = new GroupConverter() {
                @Override
                public Converter getConverter(int fieldIndex) {
                    return fieldIndex == 0 ? key : value;
                }

                @Override
                public void start() {
                    kv[0] = NODES.nullNode();
                    kv[1] = NODES.nullNode();
                }

                @Override
                public void end() {
                    map.set(kv[0].asText(), kv[1]);
                }
            };
        }

        @Override
        public Converter getConverter(int fieldIndex) {
            return entries;
        }

        @Override
        public void start() {
            map = NODES.objectNode();
        }

        @Override
        public void end() {
            sink.accept(map);
        }
    }

    /** A primitive value as text, number or boolean by its physical and logical type. */
    private static final class ValueConverter extends PrimitiveConverter {
        private final Consumer<JsonNode> sink;
        private final int decimalScale;
        private final boolean unsigned;
        private final boolean text;
        private final String column;

        ValueConverter(PrimitiveType type, Consumer<JsonNode> sink) {
            this.sink = sink;
            this.column = type.getName();
            LogicalTypeAnnotation logical = type.getLogicalTypeAnnotation();
            decimalScale = logical instanceof LogicalTypeAnnotation.DecimalLogicalTypeAnnotation d ? d.getScale() : -1;
            unsigned = logical instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation i && !i.isSigned();
            // Plain BINARY is how older writers store strings; FIXED_LEN_BYTE_ARRAY and INT96 are not text.
            text = type.getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.BINARY && decimalScale < 0;
        }

        @Override
        public void addBinary(Binary value) {
            if (decimalScale >= 0) sink.accept(NODES.numberNode(new BigDecimal(new BigInteger(value.getBytes()), decimalScale)));
            else if (text) sink.accept(NODES.textNode(utf8(value)));
            else sink.accept(NODES.textNode(HexFormat.of().formatHex(value.getBytes())));
        }

        /** The bytes as UTF-8, strictly: a malformed sequence stops the read instead of becoming U+FFFD. */
        private String utf8(Binary value) {
            String s = value.toStringUsingUTF8();
            if (s.indexOf('\uFFFD') < 0) return s;
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(value.toByteBuffer()).toString();
            } catch (CharacterCodingException e) {
                throw new BadValueException("column '" + column + "' is not valid UTF-8 text (expected UTF-8, found a malformed byte sequence)");
            }
        }

        @Override
        public void addBoolean(boolean value) {
            sink.accept(NODES.booleanNode(value));
        }

        @Override
        public void addDouble(double value) {
            sink.accept(NODES.numberNode(value));
        }

        @Override
        public void addFloat(float value) {
            sink.accept(NODES.numberNode(value));
        }

        @Override
        public void addInt(int value) {
            if (decimalScale >= 0) sink.accept(NODES.numberNode(BigDecimal.valueOf(value, decimalScale)));
            else if (unsigned) sink.accept(NODES.numberNode(Integer.toUnsignedLong(value)));
            else sink.accept(NODES.numberNode(value));
        }

        @Override
        public void addLong(long value) {
            if (decimalScale >= 0) sink.accept(NODES.numberNode(BigDecimal.valueOf(value, decimalScale)));
            else if (unsigned && value < 0) sink.accept(NODES.numberNode(new BigInteger(Long.toUnsignedString(value))));
            // As Jackson parses the same number from JSON: an int when it fits, so rows equal their JSON twins.
            else if (value == (int) value) sink.accept(NODES.numberNode((int) value));
            else sink.accept(NODES.numberNode(value));
        }
    }
}
