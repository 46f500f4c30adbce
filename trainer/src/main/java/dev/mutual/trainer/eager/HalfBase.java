package dev.mutual.trainer.eager;

import dev.mutual.trainer.model.HalfFormat;
import dev.mutual.trainer.model.HalfMatrix;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The frozen base matrices of a LoRA engine kept in 16 bits ({@link HalfMatrix}, bf16 or f16, row-major or packed in
 * panels, shared with the {@code DecoderWeights} they came from), and the one scratch array they are widened into:
 * {@link #widen} writes a matrix exactly (every bf16/f16 value is a float) as a row-major HF {@code [out, in]} matrix
 * into the scratch right before its gemm, so the gemm is the very call the fp32 engine makes on the same values and
 * the results are bit-identical to widening the whole base up front. Memory: 2 bytes per base weight plus the largest
 * matrix in fp32, instead of 4 bytes per weight. Not thread-safe; one matrix is widened at a time.
 */
final class HalfBase {

    /** f16 bits to float ({@link HalfFormat#halfToFloat}) for every bit pattern; bf16 is a shift. */
    private static final float[] F16 = new float[1 << 16];

    static {
        for (int i = 0; i < F16.length; i++) F16[i] = HalfFormat.halfToFloat((short) i);
    }

    /** A heap chunk per thread (one panel of rows); grown as needed. */
    private static final ThreadLocal<float[]> CHUNK = ThreadLocal.withInitial(() -> new float[0]);

    private final Map<String, HalfMatrix> matrices;
    private final INDArray scratch;

    /** @param type FLOAT or DOUBLE: the engine's type, of the scratch array */
    HalfBase(Map<String, HalfMatrix> matrices, DataType type) {
        this.matrices = Map.copyOf(matrices);
        long largest = 1;
        for (HalfMatrix m : this.matrices.values()) largest = Math.max(largest, (long) m.rows() * m.cols());
        this.scratch = Nd4j.create(type, largest);
    }

    boolean has(String name) {
        return matrices.containsKey(name);
    }

    HalfMatrix get(String name) {
        return matrices.get(name);
    }

    Map<String, HalfMatrix> matrices() {
        return matrices;
    }

    /** Matrix {@code name} widened into the scratch as a row-major {@code [rows, cols]} gemm operand (valid until the next call). */
    Blas.Mat widen(String name) {
        HalfMatrix m = matrices.get(name);
        if (m == null) throw new IllegalArgumentException("no 16-bit matrix '" + name + "'");
        widenInto(m, Dense.of(scratch));
        return Blas.first(scratch, m.rows(), m.cols());
    }

    /** Writes {@code m} widened, row-major, into {@code out[0, rows * cols)}: blocks of rows (a panel each) split over the threads. */
    static void widenInto(HalfMatrix m, Dense out) {
        int rows = m.rows(), cols = m.cols();
        int block = m.panel() > 0 ? m.panel() : Math.max(1, 16384 / Math.max(1, cols));
        int blocks = (rows + block - 1) / block;
        ComputeThreads.forEachRange(blocks, (part, from, to) -> {
            float[] chunk = CHUNK.get();
            if (chunk.length < block * cols) {
                chunk = new float[block * cols];
                CHUNK.set(chunk);
            }
            for (int b = from; b < to; b++) {
                int r0 = b * block, count = Math.min(block, rows - r0);
                if (m.panel() > 0) widenPanel(m, b, count, chunk);
                else widenRows(m, r0, count, chunk);
                if (out instanceof Dense.F32 f) {
                    f.copyFrom(chunk, 0, r0 * cols, count * cols);
                } else {
                    for (int i = 0; i < count * cols; i++) out.set(r0 * cols + i, chunk[i]);
                }
            }
        });
    }

    /** Rows [r0, r0 + count) of a row-major matrix into {@code chunk} (contiguous: a plain widening loop). */
    private static void widenRows(HalfMatrix m, int r0, int count, float[] chunk) {
        short[] bits = m.bits();
        int from = r0 * m.cols(), len = count * m.cols();
        if (m.format() == HalfFormat.BF16) {
            for (int i = 0; i < len; i++) chunk[i] = Float.intBitsToFloat(bits[from + i] << 16);
        } else {
            for (int i = 0; i < len; i++) chunk[i] = F16[bits[from + i] & 0xffff];
        }
    }

    /**
     * Panel {@code p} (its {@code count} real rows) into {@code chunk} as row-major rows: the panel is a
     * {@code [cols, panel]} block, so row j is every panel-th value from j.
     */
    private static void widenPanel(HalfMatrix m, int p, int count, float[] chunk) {
        short[] bits = m.bits();
        int cols = m.cols(), width = m.panel(), base = p * width * cols;
        boolean bf16 = m.format() == HalfFormat.BF16;
        for (int j = 0; j < count; j++) {
            int src = base + j, dst = j * cols;
            if (bf16) {
                for (int c = 0; c < cols; c++) chunk[dst + c] = Float.intBitsToFloat(bits[src + c * width] << 16);
            } else {
                for (int c = 0; c < cols; c++) chunk[dst + c] = F16[bits[src + c * width] & 0xffff];
            }
        }
    }
}
