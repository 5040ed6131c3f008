"""train_sklearn.py — scikit-learn's side of scripts/bench/train.

  python3 train_sklearn.py data DIR
      write scikit-learn's bundled handwritten digits (1797 x 64, 10
      classes; no download) as DIR/digits.txt (grym text records) and
      DIR/digits.npz
  python3 train_sklearn.py fit MODEL DIR FOLDS
      fit MODEL (logreg, linsvm, svm, mlp) with a StandardScaler on each
      training fold of FOLDS (grym-train --folds-out: key<TAB>fold) and once
      on all the data, as grym-train --cv K -o does; write the wall and CPU
      seconds the fits took to $BENCH_TIME_FILE (interpreter start-up and
      imports are not part of the work) and the out-of-fold accuracy to DIR/MODEL.acc

The estimators are the ones grym-train's man page names as its
counterparts, with its defaults: C=1, logreg L-BFGS (max_iter 1000, the
tolerance passed in BENCH_LOGREG_TOL, default scikit-learn's 1e-4),
linsvm liblinear's L2-loss dual solver.
"""
import json, os, sys, time
import numpy as np


def data(d):
    from sklearn.datasets import load_digits
    X, y = load_digits(return_X_y=True)
    X = X.astype(np.float32)
    labels = np.array(["d%d" % v for v in y])
    keys = np.array(["digit%04d" % i for i in range(len(y))])
    np.savez(os.path.join(d, "digits.npz"), X=X, labels=labels, keys=keys)
    with open(os.path.join(d, "digits.txt"), "w") as f:
        for key, row, lab in zip(keys, X, labels):
            f.write("#%s\t%s\n" % (key, json.dumps({"kind": "vector", "cols": X.shape[1], "labels": [lab]})))
            f.write(key + "\t" + "\t".join("%.9g" % v for v in row) + "\n")


def fit(name, d, folds_path):
    import warnings
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC, SVC
    from sklearn.neural_network import MLPClassifier
    from sklearn.preprocessing import StandardScaler
    from sklearn.pipeline import make_pipeline
    warnings.simplefilter("ignore", ConvergenceWarning)
    tol = float(os.environ.get("BENCH_LOGREG_TOL", "1e-4"))
    make = {
        "logreg": lambda: LogisticRegression(solver="lbfgs", C=1.0, max_iter=1000, tol=tol),
        "linsvm": lambda: LinearSVC(C=1.0),
        "svm": lambda: SVC(C=1.0, gamma="scale", probability=True, random_state=1),
        "mlp": lambda: MLPClassifier(hidden_layer_sizes=(100,), early_stopping=True,
                                     validation_fraction=0.1, n_iter_no_change=10,
                                     max_iter=200, random_state=1),
    }[name]
    z = np.load(os.path.join(d, "digits.npz"))
    X, labels, keys = z["X"], z["labels"], z["keys"]
    fold = {}
    with open(folds_path) as f:
        for line in f:
            k, v = line.rstrip("\n").split("\t")
            fold[k] = int(v)
    fa = np.array([fold[k] for k in keys])
    pred = np.empty(len(labels), dtype=labels.dtype)
    t0, c0 = time.perf_counter(), time.process_time()
    for f in sorted(set(fa)):
        te, tr = fa == f, fa != f
        est = make_pipeline(StandardScaler(), make()).fit(X[tr], labels[tr])
        pred[te] = est.predict(X[te])
    make_pipeline(StandardScaler(), make()).fit(X, labels)  # the refit grym-train -o does
    t, c = time.perf_counter() - t0, time.process_time() - c0
    out = os.environ.get("BENCH_TIME_FILE")
    if out:
        with open(out, "w") as f:
            f.write("%.6f %.6f\n" % (t, c))
    with open(os.path.join(d, name + ".acc"), "w") as f:
        f.write("%.4f\n" % np.mean(pred == labels))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "data":
        data(sys.argv[2])
    elif len(sys.argv) == 5 and sys.argv[1] == "fit":
        fit(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit("usage: train_sklearn.py data DIR | fit MODEL DIR FOLDS")
