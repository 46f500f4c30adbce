package dev.mutual.experiments.recipe;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** The {@code type:} name a recipe uses for a {@link StageConfig} record, e.g. {@code prepare_data}. */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface StageType {
    String value();
}
