import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import net.jpountz.lz4.LZ4FrameOutputStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.internal.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.internals.ByteBufferOutputStream;

/**
 * Kafka's own Java client as a peer of the hub's codecs (run as a single-file program on the stack's Kafka jars).
 *
 * produce BROKERS RECORDS.tsv: one producer per codec (compression.type), the records of each line
 * (topic, codec, key, value, headers as name:value, each base64, "-" for null), then one JSON line per codec:
 * {"codec":…,"records":…,"compressionRate":…} (the producer's compression-rate-avg: below 1 when it compressed).
 *
 * consume BROKERS TOPIC…: Kafka's Java consumer (read_committed, CRCs checked) reads partition 0 of each topic from
 * its start to its end, then one JSON line per topic: {"topic":…,"records":[[key,value,[[name,value],…]],…] (each
 * base64, null for null),"logBytes":… (the partition's size as the broker reports it),"batches":[[codec,
 * transactional,control,records],…] (each batch of its log segments as Kafka's FileRecords reads them, from the
 * broker's log directory; null when that directory is not on this machine)}.
 *
 * vectors PLAIN OUTDIR: PLAIN compressed as the producer compresses a batch's records (Kafka's Compression, magic 2),
 * plus raw snappy (snappy-java, as librdkafka writes it) and an LZ4 frame with every optional field (lz4-java).
 */
public class JavaCodecs {
  public static void main(String[] args) throws Exception {
    if (args[0].equals("produce")) produce(args[1], Path.of(args[2]));
    else if (args[0].equals("consume")) consume(args[1], List.of(args).subList(2, args.length));
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

  private static String b64(byte[] bytes) {
    return bytes == null ? "null" : "\"" + Base64.getEncoder().encodeToString(bytes) + "\"";
  }

  private static void consume(String brokers, List<String> topics) throws Exception {
    Properties props = new Properties();
    props.put("bootstrap.servers", brokers);
    props.put("isolation.level", "read_committed");
    props.put("check.crcs", "true");
    props.put("max.partition.fetch.bytes", "4194304");
    props.put("key.deserializer", ByteArrayDeserializer.class.getName());
    props.put("value.deserializer", ByteArrayDeserializer.class.getName());
    Map<String, StringBuilder> records = new LinkedHashMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      List<TopicPartition> partitions = topics.stream().map(topic -> new TopicPartition(topic, 0)).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      long deadline = System.currentTimeMillis() + 30_000;
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
        if (System.currentTimeMillis() > deadline) throw new IllegalStateException("not read to the end in 30 s");
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          StringBuilder line = records.computeIfAbsent(r.topic(), topic -> new StringBuilder());
          if (line.length() > 0) line.append(',');
          line.append('[').append(b64(r.key())).append(',').append(b64(r.value())).append(",[");
          boolean first = true;
          for (Header header : r.headers()) {
            if (!first) line.append(',');
            first = false;
            line.append('[').append(b64(header.key().getBytes("UTF-8"))).append(',').append(b64(header.value()))
                .append(']');
          }
          line.append("]]");
        }
      }
    }
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", brokers))) {
      int node = admin.describeCluster().nodes().get().iterator().next().id();
      Map<String, LogDirDescription> dirs = admin.describeLogDirs(List.of(node)).allDescriptions().get().get(node);
      for (String topic : topics) {
        TopicPartition partition = new TopicPartition(topic, 0);
        long size = -1;
        String batches = "null";
        for (Map.Entry<String, LogDirDescription> dir : dirs.entrySet()) {
          ReplicaInfo replica = dir.getValue().replicaInfos().get(partition);
          if (replica == null) continue;
          size = replica.size();
          Path folder = Path.of(dir.getKey(), topic + "-0");
          if (Files.isDirectory(folder)) batches = batches(folder);
        }
        System.out.println("{\"topic\":\"" + topic + "\",\"records\":[" + records.getOrDefault(topic, new StringBuilder())
            + "],\"logBytes\":" + size + ",\"batches\":" + batches + "}");
      }
    }
  }

  /** Every batch of a partition's log segments, oldest first, as [codec, transactional, control, records]. */
  private static String batches(Path folder) throws Exception {
    StringBuilder out = new StringBuilder("[");
    List<Path> segments;
    try (Stream<Path> files = Files.list(folder)) {
      segments = files.filter(f -> f.toString().endsWith(".log")).sorted().toList();
    }
    for (Path segment : segments) {
      try (FileRecords log = FileRecords.open(segment.toFile(), false)) {
        for (FileChannelRecordBatch batch : log.batches()) {
          if (out.length() > 1) out.append(',');
          out.append("[\"").append(batch.compressionType().name).append("\",").append(batch.isTransactional())
              .append(',').append(batch.isControlBatch()).append(',').append(batch.countOrNull()).append(']');
        }
      }
    }
    return out.append(']').toString();
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
