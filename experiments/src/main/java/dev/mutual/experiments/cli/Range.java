package dev.mutual.experiments.cli;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The values a numeric {@code @Option} or {@code @Parameters} field accepts. {@link OptionRanges} checks every one
 * the command line set before the command runs (one line naming the option, exit 2), so a command does not check
 * its own numbers; {@code OptionRangesTest} fails for a numeric option without one. A bare {@code @Range} accepts any
 * finite value (a seed).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
@interface Range {
    /** The smallest value accepted (or, with {@link #exclusive}, the bound values must exceed). */
    double min() default Double.NEGATIVE_INFINITY;

    /** The largest value accepted. */
    double max() default Double.POSITIVE_INFINITY;

    /** Whether {@link #min} itself is refused (a temperature may be 0, a top-p may not). */
    boolean exclusive() default false;

    /** Whether {@link #max} itself is refused (a near-duplicate threshold below 1). */
    boolean exclusiveMax() default false;
}
