package dev.mutual.spark;

import dev.mutual.data.Example;
import dev.mutual.data.read.DataReader;
import dev.mutual.data.read.ReadResult;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The spark module drops hadoop-common for Spark's hadoop-client-api (one copy of the Hadoop classes): the data
 * module's Parquet reader must still read on this classpath, as it does for prepare_data under {@code runner: spark}.
 */
class ParquetOnSparkClasspathTest {
    private static final Path DIR = Path.of("..", "data", "src", "test", "resources", "parquet");

    private static Example sourceless(Example e) {
        return new Example(e.id(), e.instruction(), e.input(), e.response(), e.goldInstruction(), e.category(), "-", e.line(), e.turns(), e.weight());
    }

    @Test
    void parquetReadsAsItsJsonlTwinWithSparksHadoopClasses() {
        for (String name : new String[] {"messages", "alpaca", "oasst"}) {
            ReadResult parquet = DataReader.read(DIR.resolve(name + ".parquet"), DataReader.Options.defaults());
            ReadResult json = DataReader.read(DIR.resolve(name + ".jsonl"), DataReader.Options.defaults());
            assertEquals(json.examples().size(), parquet.examples().size(), name);
            assertEquals(json.examples().stream().map(ParquetOnSparkClasspathTest::sourceless).toList(),
                    parquet.examples().stream().map(ParquetOnSparkClasspathTest::sourceless).toList(), name);
        }
    }
}
