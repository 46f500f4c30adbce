package dev.mutual.trainer.checkpoint;

import dev.mutual.trainer.model.Tensor;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.data.AtomicFile;
import dev.mutual.data.UserInputException;
import dev.mutual.trainer.model.HalfFormat;
import dev.mutual.trainer.model.HalfMatrix;
import dev.mutual.trainer.model.HeapBudget;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The safetensors format (https://huggingface.co/docs/safetensors, "Format"): an 8-byte little-endian header
 * length N, N bytes of JSON {@code {"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}},
 * then the data, offsets relative to its start. F32, F16 and BF16 are read (widened to fp32, or kept in 16 bits as
 * {@link HalfMatrix}, see {@link #readModel(Path, Function)}) and written.
 *
 * <p>Every header field is checked before a byte of data is touched: the header length against the file size and a
 * 100 MB cap (the reference implementation's limit), each shape times the dtype size against its offsets, every span
 * inside the data and no two spans overlapping. A truncated, lying or hostile file gives a {@link UserInputException}
 * naming the file and tensor, never an out-of-bounds read or an allocation larger than the file.
 */
public final class Safetensors {
    /** The reference implementation rejects larger headers too (safetensors {@code MAX_HEADER_SIZE}). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;
    public static final String INDEX_FILE = "model.safetensors.index.json";
    public static final String SINGLE_FILE = "model.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CHUNK_BYTES = 1 << 20;
    /**
     * huggingface_hub's default for {@code max_shard_size} ({@code split_torch_state_dict_into_shards}, and
     * transformers 4.x {@code save_pretrained}; transformers 5 raised its own default to 50GB).
     */
    public static final long DEFAULT_MAX_SHARD_BYTES = 5_000_000_000L;
    /** Shard file names as transformers writes them: model-00001-of-00003.safetensors. */
    private static final java.util.regex.Pattern SHARD_NAME = java.util.regex.Pattern.compile("model-\\d{5}-of-\\d{5}\\.safetensors");

    public enum DType {
        F32(4), F16(2), BF16(2);
        public final int bytes;

        DType(int bytes) {
            this.bytes = bytes;
        }
    }

    /** One header entry, validated against the file it came from. */
    public record Entry(String name, DType dtype, int[] shape, long begin, long end) {}

    /** A parsed, validated header: entries in file order, metadata, and where the data starts. */
    public record Header(List<Entry> entries, Map<String, String> metadata, long dataStart) {}

    /**
     * Tensors read from a file or model: those widened to fp32 and the 2-D ones kept in 16 bits (row-major).
     * Both maps are the caller's (mutable), so it can drop entries once it has used them.
     */
    public record Tensors(Map<String, Tensor> wide, Map<String, HalfMatrix> half) {}

    private Safetensors() {}

    /** Reads every tensor of one file, in header order, widened to fp32. */
    public static Map<String, Tensor> read(Path file) {
        return read(file, e -> null).wide();
    }

    /**
     * Reads every tensor of one file; {@code keep} names, per header entry, the 16-bit format to keep a 2-D tensor in
     * (its own BF16/F16, or BF16 rounded to nearest even from F32/F16), or null to widen it to fp32.
     */
    public static Tensors read(Path file, Function<Entry, HalfFormat> keep) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Header header = readHeader(ch, file);
            long bytes = 0, values = 0;
            for (Entry e : header.entries()) {
                long n = (e.end() - e.begin()) / e.dtype().bytes;
                values += n;
                bytes += halfFormat(e, keep) != null ? 2 * n : HeapBudget.floatBytes(n);
            }
            HeapBudget.require(bytes, file.toString(), "its " + values + " weights (read as fp32, or 16 bits where kept)");
            Tensors out = new Tensors(new LinkedHashMap<>(), new LinkedHashMap<>());
            for (Entry e : header.entries()) {
                HalfFormat f = halfFormat(e, keep);
                if (f == null) out.wide().put(e.name(), readTensor(ch, header.dataStart(), e));
                else out.half().put(e.name(), new HalfMatrix(f, e.shape()[0], e.shape()[1], 0, readHalf(ch, header.dataStart(), e, f)));
            }
            return out;
        } catch (NoSuchFileException e) {
            throw new UserInputException(file + ": no such safetensors file");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Reads only the header of {@code file} (validated). */
    public static Header readHeader(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return readHeader(ch, file);
        } catch (NoSuchFileException e) {
            throw new UserInputException(file + ": no such safetensors file");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /**
     * Reads the weights of an HF model directory: {@code model.safetensors.index.json} and its shards when the
     * index exists, else {@code model.safetensors}.
     */
    public static Map<String, Tensor> readModel(Path dir) {
        return readModel(dir, e -> null).wide();
    }

    /** {@link #readModel(Path)}, keeping the 2-D tensors {@code keep} asks for in 16 bits (see {@link #read(Path, Function)}). */
    public static Tensors readModel(Path dir, Function<Entry, HalfFormat> keep) {
        Path index = dir.resolve(INDEX_FILE);
        if (!Files.exists(index)) {
            Path single = dir.resolve(SINGLE_FILE);
            if (!Files.exists(single)) throw new UserInputException(dir + ": neither " + SINGLE_FILE + " nor " + INDEX_FILE + " found");
            return read(single, keep);
        }
        JsonNode root;
        try {
            root = JSON.readTree(index.toFile());
        } catch (IOException e) {
            throw new UserInputException(index + ": not readable as JSON: " + e.getMessage(), e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) throw new UserInputException(index + ": key 'weight_map' must be an object of tensor name -> shard file");
        Map<String, List<String>> byShard = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String shard = f.getValue().asText("");
            // A shard name is a plain file name in this directory: no path tricks.
            if (!f.getValue().isTextual() || !plainFileName(shard)) {
                throw new UserInputException(index + ": weight_map['" + f.getKey() + "'] must be a file name in " + dir + ", found "
                        + abbreviate(f.getValue().toString()));
            }
            byShard.computeIfAbsent(shard, k -> new ArrayList<>()).add(f.getKey());
        }
        Tensors out = new Tensors(new LinkedHashMap<>(), new LinkedHashMap<>());
        for (Map.Entry<String, List<String>> s : byShard.entrySet()) {
            Path file = dir.resolve(s.getKey());
            if (!Files.isRegularFile(file)) {
                throw new UserInputException(index + ": weight_map['" + s.getValue().get(0) + "'] names shard " + s.getKey()
                        + ", which is not a file in " + dir);
            }
            Tensors shard = read(file, keep);
            for (String name : s.getValue()) {
                Tensor t = shard.wide().get(name);
                HalfMatrix h = shard.half().get(name);
                if (t == null && h == null) {
                    throw new UserInputException(index + ": tensor '" + name + "' is mapped to " + s.getKey() + " but that shard has no such tensor");
                }
                if (t != null) out.wide().put(name, t);
                else out.half().put(name, h);
            }
        }
        return out;
    }

    /** A file name in one folder: no separators, not hidden or "..", no NUL, not over a file system's 255-byte limit. */
    private static boolean plainFileName(String name) {
        return !name.isEmpty() && !name.contains("/") && !name.contains("\\") && !name.startsWith(".") && name.indexOf('\0') < 0
                && name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= 255
                && java.nio.charset.StandardCharsets.UTF_8.newEncoder().canEncode(name);
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    /**
     * Parses a shard size as huggingface_hub's {@code parse_size_to_int} does: a number with a decimal unit, "5GB",
     * "1.5GB", "500MB", "100KB", "1TB" (1 GB = 10^9 bytes), case-insensitive; or a plain byte count.
     *
     * @throws IllegalArgumentException naming what was expected
     */
    public static long parseSize(String text) {
        String t = text.strip();
        try {
            if (!t.isEmpty() && t.chars().allMatch(Character::isDigit) && Long.parseLong(t) > 0) return Long.parseLong(t);
            if (t.length() > 2) {
                long unit = switch (t.substring(t.length() - 2).toUpperCase(java.util.Locale.ROOT)) {
                    case "TB" -> 1_000_000_000_000L;
                    case "GB" -> 1_000_000_000L;
                    case "MB" -> 1_000_000L;
                    case "KB" -> 1_000L;
                    default -> 0;
                };
                double value = Double.parseDouble(t.substring(0, t.length() - 2).strip());
                long bytes = (long) (value * unit);
                if (unit > 0 && bytes > 0) return bytes;
            }
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new IllegalArgumentException("expected a positive size such as 5GB, 500MB, 100KB (decimal units, as "
                + "huggingface_hub) or a byte count, found '" + text + "'");
    }

    /**
     * Writes a model's tensors into {@code dir} the way transformers' {@code save_pretrained(max_shard_size=...)}
     * does (huggingface_hub {@code split_state_dict_into_shards_factory}): tensors, in map order (pass the
     * state_dict order), fill a shard until the next one would push it over {@code maxShardBytes}; a tensor larger
     * than that gets a shard of its own. One shard is {@code model.safetensors} with no index; N shards are
     * {@code model-00001-of-0000N.safetensors} .. plus {@code model.safetensors.index.json}
     * ({@code metadata.total_parameters}, {@code metadata.total_size} in bytes, {@code weight_map}; keys sorted,
     * indent 2, as transformers writes it). Within a file tensors are sorted by name, as the safetensors library
     * orders them. Each file is written atomically, the index after the shards; then weight files of an earlier save
     * that the new layout does not use (a {@code model.safetensors}, an index, other shards) are deleted, so that
     * transformers (which prefers {@code model.safetensors}) and {@link #readModel} (which prefers the index) read
     * the same weights.
     *
     * @return the weight files written, in shard order
     */
    public static List<Path> writeModel(Path dir, Map<String, Tensor> tensors, Map<String, String> metadata, DType dtype, long maxShardBytes) {
        if (maxShardBytes <= 0) throw new IllegalArgumentException("max shard size must be positive, got " + maxShardBytes);
        List<Map<String, Tensor>> shards = new ArrayList<>();
        Map<String, Tensor> current = new LinkedHashMap<>();
        long currentBytes = 0, totalBytes = 0, totalParameters = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            long bytes = e.getValue().size() * dtype.bytes;
            totalBytes += bytes;
            totalParameters += e.getValue().size();
            if (bytes > maxShardBytes) { // its own shard, placed where it occurs; the current shard stays open
                shards.add(Map.of(e.getKey(), e.getValue()));
                continue;
            }
            if (currentBytes + bytes > maxShardBytes) {
                shards.add(current);
                current = new LinkedHashMap<>();
                currentBytes = 0;
            }
            current.put(e.getKey(), e.getValue());
            currentBytes += bytes;
        }
        if (!current.isEmpty()) shards.add(current);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < shards.size(); i++) {
            names.add(shards.size() == 1 ? SINGLE_FILE : String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size()));
        }
        Map<String, String> weightMap = new java.util.TreeMap<>();
        List<Path> written = new ArrayList<>();
        for (int i = 0; i < shards.size(); i++) {
            Map<String, Tensor> byName = new java.util.TreeMap<>(shards.get(i));
            write(dir.resolve(names.get(i)), byName, metadata, dtype);
            written.add(dir.resolve(names.get(i)));
            for (String name : byName.keySet()) weightMap.put(name, names.get(i));
        }
        if (shards.size() > 1) {
            // json.dumps(index, indent=2, sort_keys=True) + "\n", as transformers writes it
            StringBuilder json = new StringBuilder("{\n  \"metadata\": {\n");
            json.append("    \"total_parameters\": ").append(totalParameters).append(",\n");
            json.append("    \"total_size\": ").append(totalBytes).append("\n  },\n  \"weight_map\": {\n");
            int n = 0;
            for (Map.Entry<String, String> e : weightMap.entrySet()) {
                json.append("    ").append(quote(e.getKey())).append(": ").append(quote(e.getValue()));
                json.append(++n < weightMap.size() ? ",\n" : "\n");
            }
            json.append("  }\n}\n");
            AtomicFile.writeString(dir.resolve(INDEX_FILE), json.toString());
        }
        // remove what an earlier save left and this layout does not use
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                boolean weights = name.equals(SINGLE_FILE) || name.equals(INDEX_FILE) || SHARD_NAME.matcher(name).matches();
                if (weights && !names.contains(name) && !(name.equals(INDEX_FILE) && shards.size() > 1)) Files.delete(f);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clean stale weight files in " + dir, e);
        }
        return written;
    }

    private static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Validates and parses the header; the channel position is irrelevant (positional reads only). */
    static Header readHeader(FileChannel ch, Path file) throws IOException {
        long size = ch.size();
        if (size < 8) throw new UserInputException(file + ": " + size + " bytes is too short for a safetensors file (8-byte header length expected)");
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lenBuf, 0, file);
        long n = lenBuf.getLong(0);
        if (n < 2 || n > MAX_HEADER_BYTES) {
            throw new UserInputException(file + ": header length " + n + " is outside 2.." + MAX_HEADER_BYTES + " bytes (not a safetensors file?)");
        }
        if (n > size - 8) {
            throw new UserInputException(file + ": header length " + n + " exceeds the " + (size - 8) + " bytes after the length field (truncated file?)");
        }
        ByteBuffer hb = ByteBuffer.allocate((int) n);
        readFully(ch, hb, 8, file);
        String text = new String(hb.array(), StandardCharsets.UTF_8);
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new UserInputException(file + ": header is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) throw new UserInputException(file + ": header must be a JSON object");
        long dataStart = 8 + n;
        long dataSize = size - dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getKey().equals("__metadata__")) {
                if (!f.getValue().isObject()) throw new UserInputException(file + ": '__metadata__' must be an object of strings");
                for (Iterator<Map.Entry<String, JsonNode>> m = f.getValue().fields(); m.hasNext(); ) {
                    Map.Entry<String, JsonNode> kv = m.next();
                    if (!kv.getValue().isTextual()) throw new UserInputException(file + ": '__metadata__." + kv.getKey() + "' must be a string, found " + kv.getValue());
                    metadata.put(kv.getKey(), kv.getValue().asText());
                }
                continue;
            }
            entries.add(entry(f.getKey(), f.getValue(), dataSize, file));
        }
        List<Entry> byOffset = new ArrayList<>(entries);
        byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        for (int i = 1; i < byOffset.size(); i++) {
            Entry prev = byOffset.get(i - 1), cur = byOffset.get(i);
            if (cur.begin() < prev.end()) {
                throw new UserInputException(file + ": tensors '" + prev.name() + "' [" + prev.begin() + ", " + prev.end() + ") and '"
                        + cur.name() + "' [" + cur.begin() + ", " + cur.end() + ") overlap");
            }
        }
        return new Header(List.copyOf(entries), metadata, dataStart);
    }

    private static Entry entry(String name, JsonNode v, long dataSize, Path file) {
        String where = file + ": tensor '" + name + "'";
        if (!v.isObject()) throw new UserInputException(where + " must be an object with dtype, shape and data_offsets");
        JsonNode dt = v.get("dtype"), sh = v.get("shape"), off = v.get("data_offsets");
        if (dt == null || !dt.isTextual()) throw new UserInputException(where + ": 'dtype' must be a string, found " + dt);
        DType dtype;
        try {
            dtype = DType.valueOf(dt.asText());
        } catch (IllegalArgumentException e) {
            throw new UserInputException(where + ": dtype '" + dt.asText() + "' is not supported; expected F32, F16 or BF16");
        }
        if (sh == null || !sh.isArray()) throw new UserInputException(where + ": 'shape' must be an array of integers, found " + sh);
        int[] shape = new int[sh.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = sh.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToInt() || d.intValue() < 0) {
                throw new UserInputException(where + ": shape " + sh + " must hold non-negative integers");
            }
            shape[i] = d.intValue();
            // Stop before overflowing: nothing in a file can exceed the Java array limit we read into.
            elements *= shape[i];
            if (elements > Integer.MAX_VALUE - 8) throw new UserInputException(where + ": shape " + sh + " has more elements than a Java array holds");
        }
        if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).canConvertToLong() || !off.get(1).canConvertToLong()
                || !off.get(0).isIntegralNumber() || !off.get(1).isIntegralNumber()) {
            throw new UserInputException(where + ": 'data_offsets' must be [begin, end], found " + off);
        }
        long begin = off.get(0).longValue(), end = off.get(1).longValue();
        if (begin < 0 || end < begin || end > dataSize) {
            throw new UserInputException(where + ": data_offsets [" + begin + ", " + end + "] are outside the " + dataSize + " data bytes (truncated file?)");
        }
        if (end - begin != elements * dtype.bytes) {
            throw new UserInputException(where + ": shape " + sh + " of " + dtype + " needs " + elements * dtype.bytes
                    + " bytes but data_offsets span " + (end - begin));
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    private static Tensor readTensor(FileChannel ch, long dataStart, Entry e) throws IOException {
        float[] values = new float[(int) ((e.end() - e.begin()) / e.dtype().bytes)];
        readChunks(ch, dataStart, e, (buf, done, n) -> {
            for (int i = 0; i < n; i++) values[done + i] = next(buf, e.dtype());
        });
        return new Tensor(e.shape(), values);
    }

    /** The next value of {@code buf} as a float, widened exactly from its stored type. */
    private static float next(ByteBuffer buf, DType dtype) {
        return switch (dtype) {
            case F32 -> buf.getFloat();
            case BF16 -> Float.intBitsToFloat((buf.getShort() & 0xffff) << 16);
            case F16 -> HalfFormat.halfToFloat(buf.getShort());
        };
    }

    /** What to do with each chunk: {@code n} values from {@code buf} are elements [done, done + n) of the tensor. */
    @FunctionalInterface
    private interface Chunk {
        void accept(ByteBuffer buf, int done, int n);
    }

    /** Reads tensor {@code e} in chunks of at most CHUNK_BYTES (so a large tensor never needs a second full copy). */
    private static void readChunks(FileChannel ch, long dataStart, Entry e, Chunk chunk) throws IOException {
        int count = (int) ((e.end() - e.begin()) / e.dtype().bytes);
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK_BYTES, Math.max(e.end() - e.begin(), 1))).order(ByteOrder.LITTLE_ENDIAN);
        long pos = dataStart + e.begin();
        int done = 0;
        while (done < count) {
            int n = Math.min(count - done, buf.capacity() / e.dtype().bytes);
            buf.clear().limit(n * e.dtype().bytes);
            readFully(ch, buf, pos, null);
            pos += (long) n * e.dtype().bytes;
            buf.flip();
            chunk.accept(buf, done, n);
            done += n;
        }
    }

    /** The format {@code keep} asks for, for 2-D tensors only (a {@link HalfMatrix} is 2-D). */
    private static HalfFormat halfFormat(Entry e, Function<Entry, HalfFormat> keep) {
        return e.shape().length == 2 ? keep.apply(e) : null;
    }

    /** The tensor's values as 16-bit {@code format} bits: copied when it is stored so, else rounded to bf16. */
    private static short[] readHalf(FileChannel ch, long dataStart, Entry e, HalfFormat format) throws IOException {
        boolean same = format.name().equals(e.dtype().name());
        if (!same && format != HalfFormat.BF16) throw new IllegalArgumentException("only bf16 is narrowed to, not " + format);
        short[] values = new short[(int) ((e.end() - e.begin()) / e.dtype().bytes)];
        readChunks(ch, dataStart, e, (buf, done, n) -> {
            if (same) {
                buf.asShortBuffer().get(values, done, n);
            } else {
                for (int i = 0; i < n; i++) values[done + i] = HalfFormat.floatToBf16(next(buf, e.dtype()));
            }
        });
        return values;
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos, Path file) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0) throw new UserInputException((file == null ? "safetensors file" : file.toString()) + ": unexpected end of file at byte " + pos);
            pos += r;
        }
    }

    /**
     * Writes {@code tensors} in map order to {@code file} atomically (temp file in the same directory, then rename),
     * stored as {@code dtype}. The header is padded with spaces to a multiple of 8 bytes, as the reference writer does.
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata, DType dtype) {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> t : tensors.entrySet()) {
            if (t.getKey().equals("__metadata__")) throw new IllegalArgumentException("'__metadata__' is not a tensor name");
            ObjectNode e = header.putObject(t.getKey());
            e.put("dtype", dtype.name());
            ArrayNode shape = e.putArray("shape");
            for (int d : t.getValue().shape()) shape.add(d);
            long bytes = t.getValue().size() * dtype.bytes;
            e.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(header);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        int padded = (json.length + 7) / 8 * 8;
        AtomicFile.writeChannel(file, ch -> {
            ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(padded).put(json);
            while (head.hasRemaining()) head.put((byte) ' ');
            head.flip();
            writeFully(ch, head);
            ByteBuffer buf = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (Tensor t : tensors.values()) {
                for (float v : t.values()) {
                    if (buf.remaining() < 4) {
                        buf.flip();
                        writeFully(ch, buf);
                        buf.clear();
                    }
                    switch (dtype) {
                        case F32 -> buf.putFloat(v);
                        case BF16 -> buf.putShort(floatToBf16(v));
                        case F16 -> buf.putShort(floatToHalf(v));
                    }
                }
            }
            buf.flip();
            writeFully(ch, buf);
        });
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) ch.write(buf);
    }

    /** IEEE 754 binary16 to float: {@link HalfFormat#halfToFloat}. */
    static float halfToFloat(short h) {
        return HalfFormat.halfToFloat(h);
    }

    /** float to binary16 with round-to-nearest-even; overflow goes to infinity, NaN stays NaN. */
    static short floatToHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xff;
        int mant = bits & 0x7fffff;
        if (exp == 0xff) return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 : 0));
        int e = exp - 127 + 15;
        if (e >= 0x1f) return (short) (sign | 0x7c00);
        if (e <= 0) {
            if (e < -10) return (short) sign;
            // subnormal half: shift the mantissa (with its implicit 1) right, rounding to nearest even.
            int m = mant | 0x800000;
            int shift = 14 - e;
            int half = m >>> shift;
            int rem = m & ((1 << shift) - 1);
            int mid = 1 << (shift - 1);
            if (rem > mid || (rem == mid && (half & 1) != 0)) half++;
            return (short) (sign | half);
        }
        int half = (e << 10) | (mant >>> 13);
        int rem = mant & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (half & 1) != 0)) half++; // may carry into the exponent: still correct
        return (short) (sign | half);
    }

    /** float to bfloat16 with round-to-nearest-even: {@link HalfFormat#floatToBf16}. */
    static short floatToBf16(float f) {
        return HalfFormat.floatToBf16(f);
    }
}
