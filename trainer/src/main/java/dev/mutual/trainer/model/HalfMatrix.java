package dev.mutual.trainer.model;

/**
 * A weight matrix kept in 16 bits ({@link HalfFormat}): HF's {@code [rows, cols]} ({@code [out, in]}) as raw bits,
 * either row-major as read from a checkpoint ({@code panel == 0}) or packed into column panels for the inference
 * kernels ({@code panel > 0}): panel p holds rows p*panel .. p*panel+panel-1 as a contiguous [cols, panel] block,
 * zero-padded past {@code rows}, the layout of {@code inference.Kernels.pack} for floats. Only one layout is kept, so
 * a bf16 model needs 2 bytes per weight, not the 4 + 4 of an fp32 matrix and its packed copy.
 *
 * @param format the 16-bit format of {@code bits}
 * @param rows   HF rows (output features; the vocabulary for an embedding)
 * @param cols   HF columns (input features; the hidden size for an embedding)
 * @param panel  0 for row-major, else the panel width
 * @param bits   the values' bits
 */
public record HalfMatrix(HalfFormat format, int rows, int cols, int panel, short[] bits) {
    /** The panel width of packed matrices: two 256-bit vectors of floats, the inference kernels' panel. */
    public static final int PANEL = 16;

    public HalfMatrix {
        if (rows < 0 || cols < 0 || panel < 0) throw new IllegalArgumentException("negative size " + rows + " x " + cols + " panel " + panel);
        long expected = panel == 0 ? (long) rows * cols : (long) (rows + panel - 1) / panel * panel * cols;
        if (bits.length != expected) throw new IllegalArgumentException(rows + " x " + cols + " (panel " + panel + ") needs " + expected + " values, got " + bits.length);
    }

    /** Index of element (r, c) in {@link #bits}. */
    public long index(int r, int c) {
        return panel == 0 ? (long) r * cols + c : ((long) (r / panel) * cols + c) * panel + r % panel;
    }

    /** Element (r, c), widened. */
    public float get(int r, int c) {
        return format.widen(bits[(int) index(r, c)]);
    }

    /** Row r widened into dst[off .. off + cols) (an embedding lookup). */
    public void widenRow(int r, float[] dst, int off) {
        for (int c = 0; c < cols; c++) dst[off + c] = format.widen(bits[(int) index(r, c)]);
    }

    /** This matrix packed into panels of {@code width} (a new array; this one is left as it is). */
    public HalfMatrix packed(int width) {
        if (width <= 0) throw new IllegalArgumentException("panel width must be positive, got " + width);
        if (panel == width) return this;
        int panels = (rows + width - 1) / width;
        short[] p = new short[Math.toIntExact((long) panels * width * cols)];
        for (int r = 0; r < rows; r++) {
            int base = (r / width) * cols * width + r % width;
            for (int c = 0; c < cols; c++) p[base + c * width] = bits[(int) index(r, c)];
        }
        return new HalfMatrix(format, rows, cols, width, p);
    }

    /** The matrix widened to fp32, row-major (HF layout). */
    public float[] widened() {
        float[] out = new float[Math.toIntExact((long) rows * cols)];
        for (int r = 0; r < rows; r++) widenRow(r, out, r * cols);
        return out;
    }

    /** Row-major bf16/f16 bits of {@code values} (f16 is not needed by any caller: fp32 is only ever narrowed to bf16). */
    public static HalfMatrix bf16(float[] values, int rows, int cols) {
        short[] b = new short[values.length];
        for (int i = 0; i < b.length; i++) b[i] = HalfFormat.floatToBf16(values[i]);
        return new HalfMatrix(HalfFormat.BF16, rows, cols, 0, b);
    }
}
