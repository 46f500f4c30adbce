package dev.mutual.trainer.model;

import java.util.Arrays;

/**
 * One named weight as it sits in a checkpoint: a shape and its fp32 values, row-major (C order), e.g. an HF
 * linear weight {@code [out, in]}. Reduced-precision tensors are widened to fp32 when read.
 */
public record Tensor(int[] shape, float[] values) {
    public Tensor {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            n *= d;
        }
        if (n != values.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + n + " values, got " + values.length);
        }
    }

    public long size() {
        return values.length;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }
}
