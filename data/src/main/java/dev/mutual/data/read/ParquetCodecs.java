package dev.mutual.data.read;

import io.airlift.compress.Decompressor;
import io.airlift.compress.lz4.Lz4Decompressor;
import io.airlift.compress.snappy.SnappyDecompressor;
import io.airlift.compress.zstd.ZstdDecompressor;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.zip.GZIPInputStream;

/**
 * Page decompression for the Parquet reader in plain Java: Snappy, Zstandard and LZ4 (raw) through aircompressor,
 * gzip through the JDK. parquet-java's own codec factory builds a Hadoop {@code Configuration} (and with it half of
 * Hadoop's dependencies) and loads native libraries; this one needs neither. Each page's declared size is checked
 * before its buffer is allocated, and a page that does not decompress to that size is corrupt.
 * The other codecs (Brotli, LZO, Hadoop-framed LZ4) are refused with the codecs that work.
 */
final class ParquetCodecs implements CompressionCodecFactory {
    static final String SUPPORTED = "snappy, zstd, gzip, lz4_raw or uncompressed";

    /** The largest page accepted: a quarter of the heap (a page and its row group's other pages are held at once). */
    private final long maxPageBytes = Math.min(Integer.MAX_VALUE - 8L, Runtime.getRuntime().maxMemory() / 4);

    @Override
    public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
        return switch (codec) {
            case UNCOMPRESSED -> new PageDecompressor(codec, null);
            case SNAPPY -> new PageDecompressor(codec, new SnappyDecompressor());
            case ZSTD -> new PageDecompressor(codec, new ZstdDecompressor());
            case LZ4_RAW -> new PageDecompressor(codec, new Lz4Decompressor());
            case GZIP -> new PageDecompressor(codec, null);
            default -> throw new UnsupportedCodecException(codec);
        };
    }

    @Override
    public BytesInputCompressor getCompressor(CompressionCodecName codec) {
        throw new UnsupportedOperationException("Mutual reads Parquet files; it does not write them");
    }

    @Override
    public void release() {
    }

    /** A codec the reader does not have; the message names the ones it has. */
    static final class UnsupportedCodecException extends RuntimeException {
        UnsupportedCodecException(CompressionCodecName codec) {
            super("compression " + codec.name().toLowerCase() + " is not supported (expected " + SUPPORTED + "; rewrite the file, e.g. with"
                    + " pyarrow.parquet.write_table(..., compression='zstd'))");
        }
    }

    private final class PageDecompressor implements BytesInputDecompressor {
        private final CompressionCodecName codec;
        private final Decompressor decompressor;

        PageDecompressor(CompressionCodecName codec, Decompressor decompressor) {
            this.codec = codec;
            this.decompressor = decompressor;
        }

        @Override
        public BytesInput decompress(BytesInput bytes, int uncompressedSize) throws IOException {
            return BytesInput.from(decompress(bytes.toByteArray(), uncompressedSize));
        }

        @Override
        public void decompress(ByteBuffer input, int compressedSize, ByteBuffer output, int uncompressedSize) throws IOException {
            byte[] in = new byte[compressedSize];
            input.get(in);
            output.put(decompress(in, uncompressedSize));
        }

        private byte[] decompress(byte[] in, int uncompressedSize) throws IOException {
            if (uncompressedSize < 0 || uncompressedSize > maxPageBytes) {
                throw new IOException("a page declares " + uncompressedSize + " bytes uncompressed (expected 0 to " + maxPageBytes
                        + ", a quarter of the heap; raise -Xmx through MUTUAL_JAVA_OPTS for larger pages)");
            }
            if (codec == CompressionCodecName.UNCOMPRESSED) return in;
            byte[] out = new byte[uncompressedSize];
            int n;
            try {
                n = codec == CompressionCodecName.GZIP ? gunzip(in, out) : decompressor.decompress(in, 0, in.length, out, 0, out.length);
            } catch (RuntimeException e) {
                // aircompressor's MalformedInputException and the index errors of a lying length
                throw new IOException("corrupt " + codec.name().toLowerCase() + " page (" + e.getMessage() + ")", e);
            }
            if (n != uncompressedSize) {
                throw new IOException("corrupt " + codec.name().toLowerCase() + " page (expected " + uncompressedSize + " bytes, found " + n + ")");
            }
            return out;
        }

        private int gunzip(byte[] in, byte[] out) throws IOException {
            try (InputStream gz = new GZIPInputStream(new java.io.ByteArrayInputStream(in))) {
                int n = gz.readNBytes(out, 0, out.length);
                if (gz.read() >= 0) throw new IOException("corrupt gzip page (more than the declared " + out.length + " bytes)");
                return n;
            }
        }

        @Override
        public void release() {
        }
    }
}
