package dev.mutual.experiments.recipe;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Makes a recipe key optional: its value when the recipe leaves it out, written as YAML ({@code "42"},
 * {@code "true"}, {@code "[]"}, {@code "{}"} for a record whose keys all have defaults, or {@code "null"} for
 * "not set"). A component without it is a required key. Only a {@code "null"} default lets the key be null.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface Default {
    String value();
}
