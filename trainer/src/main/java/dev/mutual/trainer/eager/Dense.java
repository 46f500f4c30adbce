package dev.mutual.trainer.eager;

import java.lang.reflect.Field;
import org.nd4j.linalg.api.ndarray.INDArray;
import sun.misc.Unsafe;

/**
 * Plain-Java element access to a whole, c-ordered ND4J array (fp32 or fp64) at its off-heap address: no copy, no
 * allocation per access. The engine's elementwise loops are written once in double arithmetic against this; the JIT
 * sees one subclass per run (fp32 in training, fp64 in the gradient checks).
 *
 * <p>Why raw addresses rather than {@code data().asNioFloat()}: a direct FloatBuffer checks bounds and its memory
 * scope on every get/put, which made these loops several times slower (BENCHMARKS.md "Training"). Indices are not
 * checked here; every loop's index arithmetic is pinned by the fp64 tests against the SameDiff graph. The array must
 * stay referenced while a Dense over it is used (the engine holds all its arrays for its lifetime).
 */
abstract sealed class Dense permits Dense.F32, Dense.F64 {

    private static final Unsafe U = unsafe();

    final long address;
    final int length;

    private Dense(INDArray a) {
        this.address = a.data().addressPointer().address();
        this.length = (int) a.length();
    }

    static Dense of(INDArray a) {
        if (a.isView() || a.offset() != 0 || a.ordering() != 'c' || a.length() != a.data().length()) {
            throw new IllegalArgumentException("expected a whole c-order array, got a view of shape "
                    + java.util.Arrays.toString(a.shape()));
        }
        return switch (a.dataType()) {
            case FLOAT -> new F32(a);
            case DOUBLE -> new F64(a);
            default -> throw new IllegalArgumentException("the eager engine runs in FLOAT or DOUBLE, not " + a.dataType());
        };
    }

    abstract double get(int i);

    abstract void set(int i, double v);

    final void add(int i, double v) {
        set(i, get(i) + v);
    }

    private int elementBytes() {
        return this instanceof F32 ? 4 : 8;
    }

    /** Copies all of {@code src} (same type and length) here: one memcpy instead of an ND4J assign op. */
    final void copyAll(Dense src) {
        if (src.getClass() != getClass() || src.length != length) {
            throw new IllegalArgumentException("copy of " + src.length + " " + src.getClass().getSimpleName()
                    + " elements into " + length + " " + getClass().getSimpleName());
        }
        U.copyMemory(src.address, address, (long) length * elementBytes());
    }

    /** Sets every element to 0. */
    final void zeroAll() {
        U.setMemory(address, (long) length * elementBytes(), (byte) 0);
    }

    static final class F32 extends Dense {
        F32(INDArray a) {
            super(a);
        }

        @Override
        double get(int i) {
            return U.getFloat(address + 4L * i);
        }

        @Override
        void set(int i, double v) {
            U.putFloat(address + 4L * i, (float) v);
        }

        /** Copies elements [from, from + len) into {@code dst[0, len)} (one memcpy, for vectorised heap loops). */
        void copyTo(int from, float[] dst, int len) {
            checkRange(from, len, dst.length);
            U.copyMemory(null, address + 4L * from, dst, Unsafe.ARRAY_FLOAT_BASE_OFFSET, 4L * len);
        }

        /** Copies {@code src[0, len)} to elements [from, from + len). */
        void copyFrom(float[] src, int from, int len) {
            checkRange(from, len, src.length);
            U.copyMemory(src, Unsafe.ARRAY_FLOAT_BASE_OFFSET, null, address + 4L * from, 4L * len);
        }

        /** Copies elements [from, from + len) into {@code dst[dstOffset, dstOffset + len)}. */
        void copyTo(int from, float[] dst, int dstOffset, int len) {
            checkRange(from, len, dst.length - dstOffset);
            if (dstOffset < 0) throw new IndexOutOfBoundsException("heap offset " + dstOffset);
            U.copyMemory(null, address + 4L * from, dst, Unsafe.ARRAY_FLOAT_BASE_OFFSET + 4L * dstOffset, 4L * len);
        }

        /** Copies {@code src[srcOffset, srcOffset + len)} to elements [to, to + len). */
        void copyFrom(float[] src, int srcOffset, int to, int len) {
            checkRange(to, len, src.length - srcOffset);
            if (srcOffset < 0) throw new IndexOutOfBoundsException("heap offset " + srcOffset);
            U.copyMemory(src, Unsafe.ARRAY_FLOAT_BASE_OFFSET + 4L * srcOffset, null, address + 4L * to, 4L * len);
        }

        /** Sets elements [from, from + len) to 0. */
        void zero(int from, int len) {
            checkRange(from, len, len);
            U.setMemory(address + 4L * from, 4L * len, (byte) 0);
        }
    }

    static final class F64 extends Dense {
        F64(INDArray a) {
            super(a);
        }

        @Override
        double get(int i) {
            return U.getDouble(address + 8L * i);
        }

        @Override
        void set(int i, double v) {
            U.putDouble(address + 8L * i, v);
        }
    }

    /** Bulk copies are checked (once per call, unlike get/set): a wrong range would corrupt memory silently. */
    final void checkRange(int from, int len, int heapLength) {
        if (from < 0 || len < 0 || len > heapLength || (long) from + len > length) {
            throw new IndexOutOfBoundsException("range [" + from + ", " + ((long) from + len) + ") of " + length
                    + " elements, heap array of " + heapLength);
        }
    }

    private static Unsafe unsafe() {
        try {
            Field f = Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return (Unsafe) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("sun.misc.Unsafe is not accessible", e);
        }
    }
}
