package dev.mutual.data.read;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.data.InputFiles;
import dev.mutual.data.Progress;
import dev.mutual.data.UserInputException;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Walks the rows of a Parquet file as JSON objects ({@link ParquetJson}: the columns are the keys), one row group in
 * memory at a time, and hands each to a {@link JsonRecords.Visitor} with its 1-based row number, so every reader
 * format works on Parquet through the same record parsers as on JSONL. Errors name {@code FILE:row N}
 * ({@link JsonRecords#where}).
 * <p>
 * The file is untrusted: before a row group is read, its column chunks must lie inside the file and its declared
 * uncompressed size must fit in the heap; a file that is not Parquet, truncated or corrupt stops with one line naming
 * it (a {@link UserInputException}), not the library's stack trace.
 */
final class ParquetRecords {
    private static final Logger log = LoggerFactory.getLogger(ParquetRecords.class);

    private ParquetRecords() {
    }

    /** Visits the file's rows in order; returns how many were seen before the end or a stop. */
    static long forEach(Path file, JsonRecords.Visitor visitor) {
        InputFiles.requireFile(file);
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            UserInputException bad = InputFiles.readFailure(file, file.toString(), e);
            throw bad != null ? bad : new UserInputException(file + ": cannot open (" + e.getMessage() + ")", e);
        }
        ParquetReadOptions options = ParquetReadOptions.builder(new PlainParquetConfiguration())
                .withCodecFactory(new ParquetCodecs()).build();
        ParquetFileReader reader;
        try {
            // Named by its path in the library's messages ("FILE is not a Parquet file ...").
            reader = ParquetFileReader.open(new LocalInputFile(file) {
                @Override
                public String toString() {
                    return file.getFileName().toString();
                }
            }, options);
        } catch (IOException | RuntimeException e) {
            throw corrupt(file, "cannot read the footer", e);
        }
        try (reader) {
            MessageType schema = reader.getFooter().getFileMetaData().getSchema();
            MessageColumnIO columns;
            ParquetJson json;
            try {
                columns = new ColumnIOFactory().getColumnIO(schema);
                json = new ParquetJson(schema);
            } catch (RuntimeException e) {
                throw corrupt(file, "unsupported schema", e);
            }
            List<BlockMetaData> groups = reader.getRowGroups();
            Progress progress = new Progress(log, "read " + file, reader.getRecordCount(), "rows", 5000);
            long row = 0;
            for (int g = 0; g < groups.size(); g++) {
                checkSizes(file, g, groups.get(g), size);
                RecordReader<ObjectNode> records;
                long rows;
                try {
                    PageReadStore pages = reader.readNextRowGroup();
                    if (pages == null) break;
                    rows = pages.getRowCount();
                    records = columns.getRecordReader(pages, json);
                } catch (IOException | RuntimeException e) {
                    throw corrupt(file, "row group " + (g + 1) + " is unreadable", e);
                }
                for (long i = 0; i < rows; i++) {
                    row++;
                    ObjectNode node;
                    try {
                        node = records.read();
                    } catch (ParquetJson.BadValueException e) {
                        throw new UserInputException(JsonRecords.where(file, row) + ": " + e.getMessage(), e);
                    } catch (RuntimeException e) {
                        throw corrupt(file, "row " + row + " is unreadable", e);
                    }
                    progress.update(row);
                    try {
                        if (!visitor.record(row, node)) return row;
                    } catch (InvalidRecordException e) {
                        visitor.invalid(row, e);
                    }
                }
            }
            return row;
        } catch (IOException e) {
            throw corrupt(file, "cannot close", e);
        }
    }

    /**
     * Checks a row group's declared sizes before the library allocates buffers for them: every column chunk inside
     * the file, and the uncompressed total within half the heap (the library holds a row group's pages at once).
     */
    private static void checkSizes(Path file, int group, BlockMetaData block, long fileSize) {
        long uncompressed = 0;
        for (ColumnChunkMetaData c : block.getColumns()) {
            long start = c.getStartingPos();
            long length = c.getTotalSize();
            if (start < 0 || length < 0 || start + length > fileSize || c.getTotalUncompressedSize() < 0) {
                throw new UserInputException(file + ": corrupt Parquet file (row group " + (group + 1) + ", column '" + c.getPath().toDotString()
                        + "': expected a column chunk inside the file's " + fileSize + " bytes, found one at " + start + " of " + length + " bytes;"
                        + " the file may be truncated)");
            }
            uncompressed += c.getTotalUncompressedSize();
        }
        long budget = Runtime.getRuntime().maxMemory() / 2;
        if (uncompressed > budget) {
            throw new UserInputException(file + ": row group " + (group + 1) + " holds " + (uncompressed >> 20) + " MiB uncompressed (expected at most "
                    + (budget >> 20) + " MiB, half the heap; rewrite the file with smaller row groups, e.g. pyarrow's row_group_size, or raise -Xmx"
                    + " through MUTUAL_JAVA_OPTS)");
        }
    }

    private static UserInputException corrupt(Path file, String what, Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ParquetCodecs.UnsupportedCodecException u) return new UserInputException(file + ": " + u.getMessage(), e);
        }
        String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int newline = why.indexOf('\n');
        if (newline >= 0) why = why.substring(0, newline);
        return new UserInputException(file + ": not a readable Parquet file (" + what + ": " + why + "; expected a complete .parquet file)", e);
    }
}
