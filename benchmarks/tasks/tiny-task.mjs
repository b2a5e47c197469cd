// The tiny task the worker-thread pools run (cowloop runs the same closure directly).
export default function tinyTask(x) {
  return x + 1;
}
