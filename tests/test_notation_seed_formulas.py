# ruff: noqa: E501  (verbatim seed formulas)
"""The formulas of the five seeds, verbatim, labelled by seed and question."""

F = {
"s000 z_k def": r"\begin{aligned}z_k &= x_k \cdot W^{(1)} + b^{(1)} \\[z_k]_m &= b_m^{(1)} + \sum_{n=1}^2 [x_k]_n W_{nm}^{(1)} \\f(z_k) &= \left[f([z_k]_1), f([z_k]_2), f([z_k]_3) \right] = \left[f([z_k]_i) \right]_i \\f(Z) &= \left[f(z_1), f(z_2), f(z_3), f(z_4) \right]^T = \left[f(z_i) \right]_{i,1}\end{aligned}",
"s000 db2": r"\begin{aligned}\frac{\partial L}{\partial b^{(2)}} &= \frac{\partial}{\partial b^{(2)}} \left(\frac{1}{2} \sum_{k=1}^4 (y_k - t_k)^2 \right) \\&= \sum_{k=1}^4 (y_k - t_k) \frac{\partial y_k}{\partial b^{(2)}} = \sum_{k=1}^4 (y_k - t_k) \\&= (y - t)^T \cdot \mathbf{1}_4\end{aligned}",
"s000 dW2": r"""\begin{aligned}
\frac{\partial L}{\partial W^{(2)}} &= \frac{\partial}{\partial W^{(2)}} \left(\frac{1}{2} \sum_{k=1}^4 (y_k - t_k)^2 \right) \\
&= \sum_{k=1}^4 (y_k - t_k) \frac{\partial y_k}{\partial W^{(2)}} = \sum_{k=1}^4 (y_k - t_k) f(z_k) \\
&= (y - t)^T \cdot f(Z)
\end{aligned}""",
"s000 dyk/dbi": r"""\begin{aligned}
\frac{\partial y_k}{\partial b_i^{(1)}} &= \frac{\partial}{\partial b_i^{(1)}} \left(b^2 + \sum_{m=1}^3 \left[W_m^{(2)} f([z_k]_m) \right] \right) \\
&= \sum_{m=1}^3 \left[W_m^{(2)} \frac{\partial}{\partial b_i^{(1)}} \left(f([z_k]_m) \right) \right] \\
&= \sum_{m=1}^3 \left[W_m^{(2)} f'([z_k]_m) \frac{\partial [z_k]_m}{\partial b_i^{(1)}} \right] \\
&= \sum_{m=1}^3 \left[W_m^{(2)} f'([z_k]_m) \frac{\partial}{\partial b_i^{(1)}} \left(b_m^{(1)} + \sum_{n=1}^2 [x_k]_n W_{nm}^{(1)} \right) \right] \\
&= \sum_{m=1}^3 \left[W_m^{(2)} f'([z_k]_m) \delta_{im} \right] = W_i^{(2)} f'([z_k]_i)
\end{aligned}""",
"s000 dyk/db1": r"\frac{\partial y_k}{\partial b^{(1)}} = \left[W_i^{(2)} f'([z_k]_i) \right]_i = f'(z_k) \cdot \text{diag}(W^{(2)})",
"s000 db1": r"\begin{aligned} (1) &= \sum_{k=1}^4 (y_k - t_k) \frac{\partial y_k}{\partial b^{(1)}} = \sum_{k=1}^4 (y_k - t_k) f'(z_k) \cdot \text{diag}(W^{(2)}) \\ &= (y - t)^T \cdot f'(Z) \cdot \text{diag}(W^{(2)}) \end{aligned}",
"s000 dyk/dWij": r"\begin{aligned} \frac{\partial y_k}{\partial W_{ij}^{(1)}} &= \frac{\partial}{\partial W_{ij}^{(1)}} \left(b^2 + \sum_{m=1}^3 \left[W_m^{(2)} f([z_k]_m) \right] \right) \\ &= \sum_{m=1}^3 \left[W_m^{(2)} f'([z_k]_m) \frac{\partial}{\partial W_{ij}^{(1)}} \left(b_m^{(1)} + \sum_{n=1}^2 \left[x_k \right]_n W_{nm}^{(1)} \right) \right] \\ &= \sum_{m=1}^3 \left[W_m^{(2)} f'([z_k]_m) \left(\sum_{n=1}^2 \left[x_k \right]_n \frac{\partial W_{nm}^{(1)}}{\partial W_{ij}^{(1)}} \right) \right] \\ &= W_j^{(2)} f'([z_k]_j) \left[x_k \right]_i \end{aligned}",
"s000 dyk/dW1": r"\frac{\partial y_k}{\partial W^{(1)}} = \left[W_j^{(2)} f'([z_k]_j) [x_k]_i \right]_{ij} = x_k^T \cdot f'(z_k) \cdot \text{diag}(W^{(2)}) = T(x_k).",
"s000 dW1": r"\begin{aligned}\frac{\partial L}{\partial W^{(1)}} &= \sum_{k=1}^4 (y_k - t_k) \frac{\partial y_k}{\partial W^{(1)}} = \\ &= \sum_{k=1}^4 (y_k - t_k) T(x_k) = (y - t)^T \cdot T\end{aligned}",
"s000 Q2 E": r"\begin{aligned} E &= - \sum_k t_k \log \left(\frac{\exp(y_k)}{\sum_i \exp(y_i)} \right) \\ &= - \sum_k \left[t_k \log \left(\exp(y_k) \right) - t_k \log \left(\sum_i \left[\exp(y_i) \right] \right) \right] \\ &= \log \left(\sum_i \left[\exp(y_i) \right] \right) \sum_k \left[t_k \right] - \sum_k \left[t_k y_k \right] \end{aligned}",
"s000 Q2 dE": r"\begin{aligned} \frac{\partial E}{\partial y_i} &= \frac{\partial}{\partial y_i} \left(\log \left(\sum_i \left[\exp(y_i) \right] \right) \sum_k \left[t_k \right] - \sum_k \left[t_k y_k \right] \right) \\ &= \frac{\partial}{\partial y_i} \left(\log \left(\sum_i \left[\exp(y_i) \right] \right) \right) \sum_k \left[t_k \right] - \frac{\partial}{\partial y_i} \left(\sum_k \left[t_k y_k \right] \right) \\ &= \frac{\exp(y_i)}{\sum_i \left[\exp(y_i) \right]} \sum_k \left[t_k \right] - t_i \end{aligned}",
"s000 Q2 onehot": r"\frac{\partial E}{\partial y_i} = \frac{\exp(y_i)}{\sum_i \left[\exp(y_i) \right]} t_k - t_i",
"s001 z": r"\mathbf{z} = \mathbf{W}_2 (\phi(\mathbf{W}_1 \mathbf{x} + \mathbf{b}_1)) + \mathbf{b}_2",
"s001 alpha": r"\frac{\partial \text{Err}(\mathbf{y}, \mathbf{z}(\mathbf{w}))}{\partial z_k} = \left( -y_k + \frac{1}{\sum_{k=1}^K \exp(z_k)} \exp(z_k) \right) \left( \frac{\partial z_k}{\partial w} \right)",
"s001 zk": r"\begin{aligned} z_k &= \sum_{j=1}^h (\mathbf{W}_2)_{kj} [\phi(\mathbf{W}_1 \mathbf{x} + \mathbf{b}_1)]_j + (\mathbf{b}_2)_k \\ &= \sum_{j=1}^h (\mathbf{W}_2)_{kj} \phi \left( \sum_{m=1}^d (\mathbf{W}_1)_{jm} \mathbf{x}_m + (\mathbf{b}_1)_j \right) + (\mathbf{b}_2)_k \end{aligned}",
"s001 dW2": r"\frac{\partial z_k}{\partial (\mathbf{W}_2)_{kh}} = \left[ \phi \left( \sum_{m=1}^d (\mathbf{W}_1)_{hm} \mathbf{x}_m + (\mathbf{b}_1)_h \right) \right]",
"s001 dW2 chain": r"\frac{\partial z_k}{\partial (\mathbf{W}_2)_{kh}} = \frac{\partial}{\partial (\mathbf{W}_2)_{kh}} \left[ \sum_{j=1}^h (\mathbf{W}_2)_{kj} \phi \left( \sum_{m=1}^d (\mathbf{W}_1)_{jm} \mathbf{x}_m + (\mathbf{b}_1)_j \right) + (\mathbf{b}_2)_k \right]",
"s001 db2": r"\frac{\partial z_k}{\partial (\mathbf{b}_2)_k} = 1",
"s001 dW1 (1)": r"\begin{aligned} \frac{\partial z_k}{\partial (\mathbf{W}_1)_{hd}} &= \frac{\partial}{\partial (\mathbf{W}_1)_{hd}} \left[ (\mathbf{W}_2)_{kh} \phi \left( (\mathbf{W}_1)_{hd} \mathbf{x}_d + (\mathbf{b}_1)_h \right) + (\mathbf{b}_2)_k \right] \\ \frac{\partial z_k}{\partial (\mathbf{W}_1)_{hd}} &= \left[ (\mathbf{W}_2)_{kh} \mathbf{D} \phi \left( (\mathbf{W}_1)_{hd} \mathbf{x}_d + (\mathbf{b}_1)_h \right) \frac{\partial}{\partial (\mathbf{W}_1)_{hd}} \left( (\mathbf{W}_1)_{hd} \mathbf{x}_d + (\mathbf{b}_1)_h \right) + \frac{\partial}{\partial (\mathbf{W}_1)_{hd}} (\mathbf{b}_2)_k \right] \end{aligned}",
"s001 dW1": r"\frac{\partial z_k}{\partial (\mathbf{W}_1)_{hd}} = \left[ (\mathbf{W}_2)_{kh} \mathbf{D} \phi \left( (\mathbf{W}_1)_{hd} \mathbf{x}_d + (\mathbf{b}_1)_h \right) (\mathbf{x}_d) \right]",
"s001 db1": r"\frac{\partial z_k}{\partial (\mathbf{b}_1)_h} = \left[ (\mathbf{W}_2)_{kh} \mathbf{D} \phi \left( (\mathbf{W}_1)_{hd} \mathbf{x}_d + (\mathbf{b}_1)_h \right) \right]",
"s001 dW1 cases": r"\frac{\partial z_k}{\partial (\mathbf{W}_1)_{hd}} = \begin{cases} [(\mathbf{W}_2)_{kh} (\mathbf{x}_d)] & \text{When } ((\mathbf{W}_1)_{hd} \mathbf{x}_d + (\mathbf{b}_1)_h) > 0 \\ 0 & \text{otherwise} \end{cases}",
"s001 db1 cases": r"\frac{\partial z_k}{\partial (\mathbf{b}_1)_h} = \begin{cases} [(\mathbf{W}_2)_{kh}] & \text{When } ((\mathbf{W}_1)_{hd} \mathbf{x}_d + (\mathbf{b}_1)_h) > 0 \\ 0 & \text{otherwise} \end{cases}",
"s002 yk": r"y_k := \mathbf{w}^{(2)\top} f(W^{(1)} \mathbf{x}_k + \mathbf{b}^{(1)}) + b^{(2)}",
"s002 L": r"L := \frac{1}{2} \sum_{k=1}^{3} (y_k - t_k)^2.",
"s002 dW1 sum": r"\frac{\partial L}{\partial W^{(1)}} = \frac{\partial L}{\partial y_k} \frac{\partial y_k}{\partial f(\cdot)} \frac{\partial f(\cdot)}{\partial W^{(1)}} = \sum_{k=1}^{3} (y_k - t_k) \cdot w^{(2)} \cdot \mathbf{1}_{ReLU_k > 0} \cdot x_k^{\top}",
"s002 dW1 mat": r"\frac{\partial L}{\partial W^{(1)}} = \left( (\mathbf{w}^{(2)} \cdot \mathbf{1}_{z > 0}) \cdot (Y^T - t) \right) \cdot X",
"s002 dw2": r"\frac{\partial L}{\partial \mathbf{w}^{(2)}} = \frac{\partial L}{\partial y_k} \frac{\partial y_k}{\partial w^{(2)}} = \sum_{k=1}^3 (y_k - t_k) f(W^{(1)} x_k + \mathbf{b}^{(1)})",
"s002 dw2 mat": r"\frac{\partial L}{\partial \mathbf{w}^{(2)}} = ReLU \cdot (Y^T - t)",
"s002 db1": r"\frac{\partial L}{\partial \mathbf{b}^{(1)}} = \frac{\partial L}{\partial y_k} \frac{\partial y_k}{\partial f(\cdot)} \frac{\partial f(\cdot)}{\partial b^{(1)}} = \sum_{k=1}^{3} (y_k - t_k) \cdot w^{(2)} \cdot \mathbf{1}_{ReLU_k > 0}",
"s002 db1 mat": r"\frac{\partial L}{\partial \mathbf{b}^{(1)}} = (\mathbf{w}^{(2)} \cdot \mathbf{1}_{z > 0}) \cdot (Y^T - t)",
"s002 db2": r"\frac{\partial L}{\partial b^{(2)}} = \frac{\partial L}{\partial y_k} \frac{\partial y_k}{\partial b^{(2)}} = \sum_{k=1}^{3} (y_k - t_k) \cdot 1 = -2.04 \cdot 1 = -2.04",
"s002 dL/dyk": r"\frac{\partial L}{\partial y_k} = \sum_{k=1}^{3} (y_k - t_k) = (-0.2) + (-0.53) + (-1.31) = -2.04",
"s002 dyk/db2": r"\frac{\partial y_k}{\partial b^{(2)}} = 1",
"s002 dyk/dw2": r"\frac{\partial y_k}{\partial w^{(2)}} = f(W^{(1)}x_k + \mathbf{b}^{(1)})",
"s002 dyk/df": r"\frac{\partial y_k}{\partial f(\cdot)} = w^{(2)}",
"s002 df/db1": r"\frac{\partial f(\cdot)}{\partial b^{(1)}} = \mathbf{1}_{ReLU_k > 0}",
"s002 df/dw1": r"\frac{\partial f(\cdot)}{\partial w^{(1)}} = \mathbf{1}_{ReLU_k > 0} \cdot x_k^T",
"s002 mask": r"\mathbf{1}_{ReLU_k>0} = \begin{bmatrix} 0 & 0 & 1 \\ 0 & 1 & 0 \end{bmatrix}",
"s002 ReLU": r"ReLU = f(W^{(1)}X^{T} + \mathbf{b}^{(1)})",
"s002 Y": r"Y = \mathbf{w}^{(2)\top} ReLU + b^{(2)}",
"s003 MNIST dLdy": r"\nabla L(\mathbf{y}') = 2(\mathbf{y}' - \mathbf{y})",
"s003 dLdW": r"\nabla L(\mathbf{W})_{ij} = 2h'_j(y_i - y'_i) = h'_j \nabla L(\mathbf{y}')_i",
"s003 dLdh'": r"\nabla L(\mathbf{h}') = \mathbf{W}^{\top} \nabla l_1(\mathbf{y}') = \mathbf{W}^{\top} \nabla L(\mathbf{y}')",
"s003 dLdV": r"\nabla L(\mathbf{V})_{ij} = x_j \nabla l_1(\mathbf{h})_i = x_j \nabla L(\mathbf{h})_i",
"s004 (6)": r"\frac{\partial \mathcal{L}}{\partial w_{i,1}^{(2)}} = \delta_1^{(2)} x_i^{(1)}.",
"s004 (7)": r"\delta_{1}^{(2)} = \frac{\partial \mathcal{L}}{\partial z_{1}^{(2)}} = \frac{\partial \left(\frac{1}{2}(\hat{y} - y)^{2}\right)}{\partial \phi(z_{1}^{(2)})} \frac{\partial \phi(z_{1}^{(2)})}{\partial z_{1}^{(2)}} = \frac{\partial \left(\frac{1}{2}(\hat{y} - y)^{2}\right)}{\partial \hat{y}} \frac{\partial \phi(z_{1}^{(2)})}{\partial z_{1}^{(2)}} = (\hat{y} - y)\phi'(z_{1}^{(2)})",
"s004 (8)": r"\frac{\partial \mathcal{L}}{\partial w_{i,1}^{(2)}} = (\hat{y} - y)\phi'(z_1^{(2)})x_i^{(1)}.",
"s004 (9)": r"\frac{\partial \mathcal{L}}{\partial w_{i,j}^{(1)}} = \frac{\partial \mathcal{L}}{\partial z_j^{(1)}} \frac{\partial z_j^{(1)}}{\partial w_{i,j}^{(1)}} = \delta_j^{(1)} \frac{\partial z_j^{(1)}}{\partial w_{i,j}^{(1)}} = \delta_j^{(1)} \frac{\partial \left(\sum_{d=1}^D w_{d,j}^{(1)} x_d^{(0)}\right)}{\partial w_{i,j}^{(1)}} = \delta_j^{(1)} x_i^{(0)},",
"s004 (10)": r"\delta_{j}^{(1)} = \frac{\partial \mathcal{L}}{\partial z_{j}^{(1)}} = \sum_{k} \frac{\partial \mathcal{L}}{\partial z_{k}^{(2)}} \frac{\partial z_{k}^{(2)}}{\partial z_{j}^{(1)}} = \delta_{1}^{(2)} \frac{\partial \left(\sum_{i} w_{i,1}^{(2)} x_{i}^{(1)}\right)}{\partial z_{j}^{(1)}} = \delta_{1}^{(2)} \frac{\partial \left(\sum_{i} w_{i,1}^{(2)} \phi(z_{i}^{(1)})\right)}{\partial z_{j}^{(1)}} = \delta_{1}^{(2)} w_{j,1}^{(2)} \phi'(z_{j}^{(1)}).",
"s004 (11)": r"\frac{\partial \mathcal{L}}{\partial w_{i,j}^{(1)}} = \delta_1^{(2)} w_{j,1}^{(2)} \phi'(z_j^{(1)}) x_i^{(0)}.",
"s004 (1)": r"x_j^{(1)} = \phi\left(z_j^{(1)}\right) = \phi\left(\sum_{i=1}^D w_{i,j}^{(1)} x_i^{(0)} + b_j^{(1)}\right),",
"s003 jac": r"\mathbf{J}_f = \begin{bmatrix} 4x_1 & 3 & 0 \\ -e^{x_1} & 0 & \cos(x_3) \end{bmatrix}",
"s003 f": r"\left[2x_1^2 + 3x_2 + 5 \quad \sin(x_3) e^{x_1}\right]^\top",
"s000 Q3": r"\begin{aligned}100\eta(\eta - \frac{1}{5}) &< 0 \\ \eta &\in (0, \frac{1}{5})\end{aligned}",
"s002 eta": r"0 < \eta < \frac{1}{6}",
}
