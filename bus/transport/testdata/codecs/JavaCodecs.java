import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import net.jpountz.lz4.LZ4FrameOutputStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.internals.ByteBufferOutputStream;

/**
 * Kafka's own Java client as a peer of the hub's codecs (run as a single-file program on the stack's Kafka jars).
 *
 * produce BROKERS RECORDS.tsv: one producer per codec (compression.type), the records of each line
 * (topic, codec, key, value, headers as name:value, each base64, "-" for null), then one JSON line per codec:
 * {"codec":…,"records":…,"compressionRate":…} (the producer's compression-rate-avg: below 1 when it compressed).
 *
 * vectors PLAIN OUTDIR: PLAIN compressed as the producer compresses a batch's records (Kafka's Compression, magic 2),
 * plus raw snappy (snappy-java, as librdkafka writes it) and an LZ4 frame with every optional field (lz4-java).
 */
public class JavaCodecs {
  public static void main(String[] args) throws Exception {
    if (args[0].equals("produce")) produce(args[1], Path.of(args[2]));
    else vectors(Files.readAllBytes(Path.of(args[1])), Path.of(args[2]));
  }

  private static byte[] field(String text) {
    return text.equals("-") ? null : Base64.getDecoder().decode(text);
  }

  private static void produce(String brokers, Path records) throws Exception {
    Map<String, List<String[]>> byCodec = new LinkedHashMap<>();
    for (String line : Files.readAllLines(records)) {
      if (line.isEmpty()) continue;
      String[] cells = line.split("\t", -1);
      byCodec.computeIfAbsent(cells[1], codec -> new ArrayList<>()).add(cells);
    }
    for (Map.Entry<String, List<String[]>> entry : byCodec.entrySet()) {
      Properties props = new Properties();
      props.put("bootstrap.servers", brokers);
      props.put("compression.type", entry.getKey());
      props.put("linger.ms", "50");
      props.put("batch.size", "1048576");
      props.put("acks", "all");
      props.put("key.serializer", ByteArraySerializer.class.getName());
      props.put("value.serializer", ByteArraySerializer.class.getName());
      double rate;
      try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
        for (String[] cells : entry.getValue()) {
          RecordHeaders headers = new RecordHeaders();
          if (!cells[4].isEmpty()) {
            for (String header : cells[4].split(",")) {
              String[] pair = header.split(":", 2);
              headers.add(new String(Base64.getDecoder().decode(pair[0]), "UTF-8"), field(pair[1]));
            }
          }
          producer.send(new ProducerRecord<>(cells[0], 0, null, field(cells[2]), field(cells[3]), headers));
        }
        producer.flush();
        rate = metric(producer.metrics(), "compression-rate-avg");
      }
      System.out.println("{\"codec\":\"" + entry.getKey() + "\",\"records\":" + entry.getValue().size()
          + ",\"compressionRate\":" + rate + "}");
    }
  }

  private static double metric(Map<org.apache.kafka.common.MetricName, ? extends Metric> metrics, String name) {
    for (Map.Entry<org.apache.kafka.common.MetricName, ? extends Metric> e : metrics.entrySet()) {
      if (e.getKey().name().equals(name) && e.getKey().group().equals("producer-metrics"))
        return ((Number) e.getValue().metricValue()).doubleValue();
    }
    return Double.NaN;
  }

  private static void vectors(byte[] plain, Path dir) throws Exception {
    Files.createDirectories(dir);
    kafka(Compression.zstd().build(), plain, dir.resolve("zstd.kafka.bin"));
    kafka(Compression.lz4().build(), plain, dir.resolve("lz4.kafka.bin"));
    kafka(Compression.snappy().build(), plain, dir.resolve("snappy.kafka.bin"));
    Files.write(dir.resolve("snappy.raw.bin"), org.xerial.snappy.Snappy.compress(plain));
    ByteArrayOutputStream frame = new ByteArrayOutputStream();
    try (OutputStream out = new LZ4FrameOutputStream(frame, LZ4FrameOutputStream.BLOCKSIZE.SIZE_64KB, plain.length,
        LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE, LZ4FrameOutputStream.FLG.Bits.BLOCK_CHECKSUM,
        LZ4FrameOutputStream.FLG.Bits.CONTENT_CHECKSUM, LZ4FrameOutputStream.FLG.Bits.CONTENT_SIZE)) {
      out.write(plain);
    }
    Files.write(dir.resolve("lz4.frame-checksums.bin"), frame.toByteArray());
  }

  private static void kafka(Compression compression, byte[] plain, Path file) throws Exception {
    ByteBufferOutputStream buffer = new ByteBufferOutputStream(1024);
    try (OutputStream out = compression.wrapForOutput(buffer, (byte) 2)) {
      out.write(plain);
    }
    ByteBuffer bytes = buffer.buffer();
    bytes.flip();
    byte[] written = new byte[bytes.remaining()];
    bytes.get(written);
    Files.write(file, written);
  }
}
